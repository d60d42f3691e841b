package dev.sluice.bus;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Member;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** Guards the line between API and implementation: nothing in {@code internal} leaks through the API package. */
class ApiSurfaceTest {

    private static final String INTERNAL = "dev.sluice.bus.internal";

    @Test
    void apiSignaturesNameNoInternalType() throws Exception {
        List<String> leaks = new ArrayList<>();
        List<Class<?>> api = apiTypes();

        for (Class<?> type : api) {
            check(type.getName() + " extends", type.getGenericSuperclass(), leaks);
            for (Type supertype : type.getGenericInterfaces()) {
                check(type.getName() + " implements", supertype, leaks);
            }
            for (Field field : type.getDeclaredFields()) {
                if (visible(field)) {
                    check(type.getName() + "." + field.getName(), field.getGenericType(), leaks);
                }
            }
            List<Executable> members = new ArrayList<>(List.of(type.getDeclaredMethods()));
            members.addAll(List.of(type.getDeclaredConstructors()));
            for (Executable member : members) {
                if (!visible(member) || member.isSynthetic()) {
                    continue;
                }
                String where = type.getName() + "." + member.getName();
                if (member instanceof java.lang.reflect.Method method) {
                    check(where + " returns", method.getGenericReturnType(), leaks);
                }
                for (Type parameter : member.getGenericParameterTypes()) {
                    check(where + " takes", parameter, leaks);
                }
                for (Type thrown : member.getGenericExceptionTypes()) {
                    check(where + " throws", thrown, leaks);
                }
            }
        }

        assertThat(api).contains(EventBus.class, SubscriberSpec.class, SubscriberSpec.Builder.class);
        assertThat(leaks).isEmpty();
    }

    // regression: subscribe used to hand out the public SubscriberWorker, which a caller could downcast
    @Test
    void subscribeReturnsAHandleOfANonPublicClass() {
        EventBus bus = EventBus.builder().build();
        EventType<String> placed = EventType.of("order.placed", String.class);

        SubscriberHandle handle = bus.subscribe(
                SubscriberSpec.builder("a", placed, e -> Mono.empty()).build());

        assertThat(Modifier.isPublic(handle.getClass().getModifiers())).isFalse();
        StepVerifier.create(bus.close(Duration.ofSeconds(5))).verifyComplete();
    }

    private static boolean visible(Member member) {
        return Modifier.isPublic(member.getModifiers()) || Modifier.isProtected(member.getModifiers());
    }

    /** Every public or protected type of the API package, nested ones included. */
    private static List<Class<?>> apiTypes() throws IOException, URISyntaxException, ClassNotFoundException {
        Path root = Path.of(EventBus.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        Path dir = root.resolve(EventBus.class.getPackageName().replace('.', '/'));
        List<Class<?>> types = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String simple = file.getFileName().toString().replace(".class", "");
                Class<?> type = Class.forName(EventBus.class.getPackageName() + "." + simple);
                if (!type.isSynthetic() && !type.isAnonymousClass() && exposed(type)) {
                    types.add(type);
                }
            }
        }
        return types;
    }

    private static boolean exposed(Class<?> type) {
        for (Class<?> c = type; c != null; c = c.getEnclosingClass()) {
            int modifiers = c.getModifiers();
            if (!Modifier.isPublic(modifiers) && !Modifier.isProtected(modifiers)) {
                return false;
            }
        }
        return true;
    }

    private static void check(String where, Type type, List<String> leaks) {
        check(where, type, leaks, new java.util.HashSet<>());
    }

    private static void check(String where, Type type, List<String> leaks, Set<Type> seen) {
        if (type == null || !seen.add(type)) {
            return;
        }
        if (type instanceof Class<?> c) {
            Class<?> named = c;
            while (named.isArray()) {
                named = named.getComponentType();
            }
            if (named.getPackageName().startsWith(INTERNAL)) {
                leaks.add(where + " " + named.getName());
            }
        } else if (type instanceof ParameterizedType p) {
            check(where, p.getRawType(), leaks, seen);
            for (Type argument : p.getActualTypeArguments()) {
                check(where, argument, leaks, seen);
            }
        } else if (type instanceof WildcardType w) {
            for (Type bound : w.getUpperBounds()) {
                check(where, bound, leaks, seen);
            }
            for (Type bound : w.getLowerBounds()) {
                check(where, bound, leaks, seen);
            }
        } else if (type instanceof TypeVariable<?> v) {
            for (Type bound : v.getBounds()) {
                check(where, bound, leaks, seen);
            }
        } else if (type instanceof GenericArrayType a) {
            check(where, a.getGenericComponentType(), leaks, seen);
        }
    }
}
