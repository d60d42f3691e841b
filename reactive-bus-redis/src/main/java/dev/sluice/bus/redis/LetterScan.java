package dev.sluice.bus.redis;

import dev.sluice.bus.DeadLetter;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import java.util.List;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

/**
 * Reads a stream of letters in pages of {@value #PAGE} entries with {@code XRANGE} / {@code XREVRANGE}, asking for the
 * next page only when the previous one has been consumed. Entries written or deleted meanwhile may or may not appear.
 */
final class LetterScan {

    static final int PAGE = 200;

    private final LetterCodec codec;

    LetterScan(LetterCodec codec) {
        this.codec = codec;
    }

    /** Return every letter of {@code stream}, oldest or newest first, decoded as it is read. */
    Flux<DeadLetter> all(StoreCommands commands, String stream, boolean newestFirst) {
        return page(commands, stream, newestFirst, null);
    }

    /** One page of entries after {@code after} (exclusive; null: from the start), then the next page lazily. */
    private Flux<DeadLetter> page(StoreCommands commands, String stream, boolean newestFirst, @Nullable String after) {
        // inclusive range from the last id seen, dropping that entry: exclusive bounds need Redis 6.2 syntax
        int count = after == null ? PAGE : PAGE + 1;
        Flux<StreamMessage<String, String>> entries = newestFirst
                ? commands.xrevrange(stream, Range.create("-", after == null ? "+" : after), Limit.from(count))
                : commands.xrange(stream, Range.create(after == null ? "-" : after, "+"), Limit.from(count));
        return entries.collectList().flatMapMany(batch -> {
            List<StreamMessage<String, String>> fresh =
                    after != null && !batch.isEmpty() && batch.get(0).getId().equals(after)
                            ? batch.subList(1, batch.size())
                            : batch;
            Flux<DeadLetter> letters = Flux.fromIterable(fresh).map(entry -> codec.decode(entry.getBody()));
            if (batch.size() < count) {
                return letters;
            }
            String last = batch.get(batch.size() - 1).getId();
            return letters.concatWith(Flux.defer(() -> page(commands, stream, newestFirst, last)));
        });
    }
}
