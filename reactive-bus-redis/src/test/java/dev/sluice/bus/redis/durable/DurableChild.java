package dev.sluice.bus.redis.durable;

import dev.sluice.testsupport.ChildJvm;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import reactor.blockhound.BlockHound;

/**
 * The main class of a {@link DurableNode} in a child JVM ({@link ChildJvm}), for the tests that kill or pause a whole
 * process. Arguments: Redis URI, the test's key prefix, the type name, the instance id, then {@link
 * DurableNode.Options#args()}. Installs BlockHound (with every integration on the class path), prints {@value #READY}
 * once its subscriber runs, then every 100 ms a line {@code METER acks.refused=<n> partitions.owned=<n>} from the
 * transport's meters, until killed or stopped (SIGTERM closes the node).
 */
public final class DurableChild {

    /** The line printed once the node runs. */
    static final String READY = "DURABLE-CHILD READY";

    private DurableChild() {}

    /** Start the node described by {@code args} and report until the JVM ends. */
    public static void main(String[] args) {
        BlockHound.install();
        if (args.length != 4 + DurableNode.Options.ARGS) {
            throw new IllegalArgumentException(
                    "expected " + (4 + DurableNode.Options.ARGS) + " arguments, got " + Arrays.toString(args));
        }
        DurableNode node = DurableNode.start(args[0], args[1], args[2], args[3], DurableNode.Options.parse(args, 4));
        Runtime.getRuntime().addShutdownHook(new Thread(node::close, "durable-child-close"));
        System.out.println(READY);
        while (true) {
            System.out.println("METER acks.refused=" + (long) node.meter("sluice.durable.acks.refused")
                    + " partitions.owned=" + (long) node.meter("sluice.durable.partitions.owned"));
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }

    /** Start a child JVM running a node of {@code instance}; the caller closes it. */
    static ChildJvm start(
            String uri, String testPrefix, String typeName, String instance, DurableNode.Options options) {
        String[] args = new String[4 + DurableNode.Options.ARGS];
        args[0] = uri;
        args[1] = testPrefix;
        args[2] = typeName;
        args[3] = instance;
        System.arraycopy(options.args(), 0, args, 4, DurableNode.Options.ARGS);
        return ChildJvm.builder(DurableChild.class)
                .jvmOptions("-Xmx256m")
                .args(args)
                .start();
    }
}
