// Headless check of the /status page's live chart (issue 14); not run by CI.
//
// Opens /status in Debian's chromium, reads the chart's data (window.sluiceChart) and its canvas twice, 10 s apart,
// and exits 1 unless the chart moved: new points were drawn and the canvas changed. Run it against a running demo:
//
//   apt-get install chromium && (cd demo/scripts && npm install)
//   node demo/scripts/status-chart.mjs [http://127.0.0.1:8080/status]
//
// CHROMIUM names another browser binary (default /usr/bin/chromium).
import puppeteer from "puppeteer-core";

const url = process.argv[2] ?? "http://127.0.0.1:8080/status";
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--headless=new"],
});
try {
  const page = await browser.newPage();
  await page.goto(url, {waitUntil: "domcontentloaded"});
  await page.waitForFunction(() => window.sluiceChart && window.sluiceChart.at.length >= 2, {timeout: 30_000});
  const read = () => page.evaluate(() => ({
    points: window.sluiceChart.at.length,
    newest: window.sluiceChart.at[window.sluiceChart.at.length - 1],
    throughput: window.sluiceChart.throughput.slice(-10),
    lag: window.sluiceChart.lag.slice(-10),
    canvas: document.getElementById("chart").toDataURL(),
  }));
  const first = await read();
  await new Promise(resolve => setTimeout(resolve, 10_000));
  const second = await read();
  const moved = second.newest > first.newest && second.canvas !== first.canvas;
  console.log(JSON.stringify({url, moved, first: {...first, canvas: undefined}, second: {...second, canvas: undefined}}));
  if (!moved) {
    console.error("the chart did not move in 10 s");
    process.exitCode = 1;
  }
} finally {
  await browser.close();
}
