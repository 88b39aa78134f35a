// The listeners of a change feed, per channel; shared by both adapters so delivery
// behaves the same: asynchronous, one microtask per listener, in publish order.

export type ChangeListener = (payload: string) => void;

export interface ListenerRegistry {
  /** Registers one subscription; the returned function removes exactly it and says whether the channel is now unused. */
  add(channel: string, listener: ChangeListener): () => boolean;
  has(channel: string): boolean;
  channels(): string[];
  deliver(channel: string, payload: string): void;
  clear(): void;
}

interface Subscription {
  readonly listener: ChangeListener;
  active: boolean;
}

export function createListenerRegistry(): ListenerRegistry {
  // A wrapper per subscription, so the same function subscribed twice is two subscriptions.
  const byChannel = new Map<string, Set<Subscription>>();
  return {
    add(channel, listener) {
      const subscription: Subscription = { listener, active: true };
      const subscriptions = byChannel.get(channel) ?? new Set();
      subscriptions.add(subscription);
      byChannel.set(channel, subscriptions);
      return () => {
        subscription.active = false;
        subscriptions.delete(subscription);
        if (subscriptions.size > 0 || byChannel.get(channel) !== subscriptions) return false;
        byChannel.delete(channel);
        return true;
      };
    },
    has(channel) {
      return byChannel.has(channel);
    },
    channels() {
      return [...byChannel.keys()];
    },
    deliver(channel, payload) {
      for (const subscription of byChannel.get(channel) ?? []) {
        // A microtask each: a throwing listener cannot starve the others or break the
        // connection that received the notification; the throw surfaces as uncaught.
        queueMicrotask(() => {
          if (subscription.active) subscription.listener(payload);
        });
      }
    },
    clear() {
      for (const subscriptions of byChannel.values()) {
        for (const subscription of subscriptions) subscription.active = false;
      }
      byChannel.clear();
    },
  };
}
