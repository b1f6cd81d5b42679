/**
 * Which discovery metadata records the flows of one runtime announce. WIS2 wants a dataset's
 * record in the Global Discovery Catalogue before its data: a dataset whose metadata_id no flow
 * announces has to say so rather than publish data nobody can find.
 */
export class AnnouncedMetadata {
  /** record ids by the announcer (a node) that announced them */
  private readonly byAnnouncer = new Map<string, Set<string>>();
  private readonly listeners = new Set<() => void>();

  announce(announcer: string, metadataId: string): void {
    let ids = this.byAnnouncer.get(announcer);
    if (!ids) this.byAnnouncer.set(announcer, (ids = new Set()));
    if (ids.has(metadataId)) return;
    ids.add(metadataId);
    this.changed();
  }

  /** The record was deleted, or (no id) the announcer is gone with everything it announced. */
  withdraw(announcer: string, metadataId?: string): void {
    const ids = this.byAnnouncer.get(announcer);
    if (!ids) return;
    if (metadataId === undefined) this.byAnnouncer.delete(announcer);
    else if (!ids.delete(metadataId)) return;
    this.changed();
  }

  has(metadataId: string): boolean {
    for (const ids of this.byAnnouncer.values()) if (ids.has(metadataId)) return true;
    return false;
  }

  /** Called on every change; returns what stops it. */
  watch(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
