/**
 * One typed event mechanism for every @p2p package, free of Node's EventEmitter so that the
 * codec layer stays portable. Unlike Node's emitter, an `error` event with no listener is not
 * thrown: sockets record errors in their `status` instead of crashing the process.
 */

/** An event map: event name -> tuple of listener arguments. */
export type EventMap = { [event: string]: unknown[] };

export type Listener<Args extends unknown[]> = (...args: Args) => void;

// Listeners are stored untyped; the public methods keep the types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyListener = (...args: any[]) => void;

export class TypedEmitter<Events extends EventMap> {
  #listeners = new Map<PropertyKey, AnyListener[]>();

  /** Adds a listener; returns a function that removes it. */
  on<E extends keyof Events>(event: E, listener: Listener<Events[E]>): () => void {
    const list = this.#listeners.get(event) ?? [];
    list.push(listener);
    this.#listeners.set(event, list);
    return () => this.off(event, listener);
  }

  /** Adds a listener that runs at most once. */
  once<E extends keyof Events>(event: E, listener: Listener<Events[E]>): () => void {
    const off = this.on(event, ((...args: Events[E]) => {
      off();
      listener(...args);
    }) as Listener<Events[E]>);
    return off;
  }

  off<E extends keyof Events>(event: E, listener: Listener<Events[E]>): void {
    const list = this.#listeners.get(event);
    if (!list) return;
    const i = list.indexOf(listener);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.#listeners.delete(event);
  }

  removeAllListeners(event?: keyof Events): void {
    if (event === undefined) this.#listeners.clear();
    else this.#listeners.delete(event);
  }

  listenerCount(event: keyof Events): number {
    return this.#listeners.get(event)?.length ?? 0;
  }

  /**
   * Calls the listeners in order. A listener that throws does not stop the others; its
   * exception is handed to `onListenerError` (by default rethrown asynchronously, like an
   * uncaught exception, so bugs in user code are not silently swallowed).
   */
  protected emit<E extends keyof Events>(event: E, ...args: Events[E]): boolean {
    const list = this.#listeners.get(event);
    if (!list || list.length === 0) return false;
    for (const listener of [...list]) {
      try {
        listener(...args);
      } catch (err) {
        this.onListenerError(err, String(event));
      }
    }
    return true;
  }

  protected onListenerError(err: unknown, _event: string): void {
    queueMicrotask(() => {
      throw err;
    });
  }
}
