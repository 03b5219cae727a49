/**
 * Requests that await a reply matched by id (hexeditor's sendRequest and inReplyTo): `open` gives
 * a fresh id and the promise of its reply, `settle` delivers a reply (a late or unknown id is
 * dropped), `cancel` and `dispose` reject what still waits.
 */
export class RequestTracker<TReply> {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(reply: TReply): void; reject(reason: unknown): void }>();

  /** A fresh id for the request to carry, and its reply. */
  open(): { id: number; reply: Promise<TReply> } {
    const id = this.nextId++;
    const reply = new Promise<TReply>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    return { id, reply };
  }

  /** Delivers the reply to request `id`; false when nothing waits for it (cancelled, or never sent). */
  settle(id: number, reply: TReply): boolean {
    const waiting = this.waiting.get(id);
    this.waiting.delete(id);
    waiting?.resolve(reply);
    return waiting !== undefined;
  }

  /** Stops waiting for request `id`: its reply rejects with `reason`, and a late answer is dropped. */
  cancel(id: number, reason: unknown): void {
    const waiting = this.waiting.get(id);
    this.waiting.delete(id);
    waiting?.reject(reason);
  }

  /** Rejects every request still waiting (the other side is gone). */
  dispose(reason: unknown): void {
    for (const id of [...this.waiting.keys()]) this.cancel(id, reason);
  }
}
