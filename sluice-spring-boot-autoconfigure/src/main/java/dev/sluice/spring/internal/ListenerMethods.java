package dev.sluice.spring.internal;

import dev.sluice.bus.Event;
import dev.sluice.spring.SluiceConfigurationException;
import dev.sluice.spring.SluiceListener;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.reactivestreams.Publisher;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Finds {@link SluiceListener} methods on every bean as it is initialized and checks their signatures at once, so a
 * wrong one fails startup naming the method (through {@link SluiceConfigurationException}). Subscribing happens
 * later, when the context starts.
 */
public final class ListenerMethods implements BeanPostProcessor {

    private final List<ListenerMethod> found = new CopyOnWriteArrayList<>();
    private final Set<Class<?>> without = ConcurrentHashMap.newKeySet();

    /** Create an empty collector; the auto-configuration does this. */
    public ListenerMethods() {}

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        Class<?> target = AopUtils.getTargetClass(bean);
        if (without.contains(target)) {
            return bean;
        }
        Map<Method, SluiceListener> methods =
                MethodIntrospector.selectMethods(target, (MethodIntrospector.MetadataLookup<SluiceListener>)
                        m -> AnnotatedElementUtils.findMergedAnnotation(m, SluiceListener.class));
        if (methods.isEmpty()) {
            without.add(target);
            return bean;
        }
        methods.forEach((method, annotation) -> found.add(check(bean, method, annotation)));
        return bean;
    }

    /** Return every listener found so far. */
    List<ListenerMethod> found() {
        return List.copyOf(found);
    }

    private static ListenerMethod check(Object bean, Method method, SluiceListener annotation) {
        String name = ListenerMethod.describe(method);
        if (Modifier.isStatic(method.getModifiers())) {
            throw refuse(name, "is static", "Make the @SluiceListener method an instance method of a bean.");
        }
        if (method.getParameterCount() != 1) {
            throw refuse(
                    name,
                    "takes " + method.getParameterCount() + " parameters",
                    "A @SluiceListener method takes exactly one parameter: the payload T or the Event<T>.");
        }
        Class<?> returns = method.getReturnType();
        boolean blocking = returns == void.class;
        if (!blocking && !Publisher.class.isAssignableFrom(returns)) {
            throw refuse(
                    name,
                    "returns " + returns.getName(),
                    "Return Mono<?>, Flux<?> or another Publisher (completion means handled), or void (run on "
                            + "Schedulers.boundedElastic()).");
        }
        Class<?> param = method.getParameterTypes()[0];
        boolean takesEvent = Event.class.equals(param);
        Class<?> payload = takesEvent
                ? ResolvableType.forMethodParameter(method, 0).getGeneric(0).resolve()
                : param;
        if (payload == null || (payload == Object.class && takesEvent)) {
            throw refuse(
                    name,
                    "takes an Event without a payload class",
                    "Declare the parameter as Event<YourPayload>, or take YourPayload itself.");
        }
        if (payload.isPrimitive()) {
            throw refuse(name, "takes a primitive payload", "Take a payload class (a record, say), not a primitive.");
        }
        Method invocable = AopUtils.selectInvocableMethod(method, bean.getClass());
        ReflectionUtils.makeAccessible(invocable);
        return new ListenerMethod(
                bean, invocable, annotation.subscriber(), annotation.type(), payload, takesEvent, blocking);
    }

    private static SluiceConfigurationException refuse(String method, String problem, String action) {
        return new SluiceConfigurationException(
                "@SluiceListener method", method, "cannot be a listener: it " + problem, action);
    }
}
