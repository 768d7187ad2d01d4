package io.connectproxy.devagent;

import java.util.ArrayList;
import java.util.List;

/**
 * Listeners woken after every committed change; each parked blocking query re-checks its own condition, which keeps
 * the rules of what "changed" means with the query instead of here.
 */
final class ChangeFeed {

    private final List<Runnable> listeners = new ArrayList<>();

    void add(Runnable listener) {
        listeners.add(listener);
    }

    void remove(Runnable listener) {
        listeners.remove(listener);
    }

    int size() {
        return listeners.size();
    }

    void changed() {
        // a listener removes itself while we iterate
        for (Runnable listener : new ArrayList<>(listeners)) {
            listener.run();
        }
    }
}
