// The process-local store: `ofconnect sandbox` without --data-dir and the simulator's unit tests. One simulator
// per store, so there is nobody to tell about changes; everything is gone when the process ends.
import type { SandboxStore, StoredArea, StoredFault, StoredRules, StoredSession } from './store.ts';

export class MemorySandboxStore implements SandboxStore {
  private readonly anchors = new Map<number, number>();
  private readonly sessions = new Map<string, StoredSession>();
  private readonly rules = new Map<number, StoredRules>();
  private readonly areas = new Map<string, Map<string, StoredArea>>();
  private faults: StoredFault[] = [];
  private nextFaultId = 1;

  async anchorFor(seed: number, candidateMs: number): Promise<number> {
    if (!this.anchors.has(seed)) this.anchors.set(seed, candidateMs);
    return this.anchors.get(seed)!;
  }

  async findSession(sessHash: string) {
    const found = this.sessions.get(sessHash);
    return found && { ...found };
  }

  async saveSession(session: StoredSession) {
    this.sessions.set(session.sessHash, { ...session });
  }

  async updateSession(session: StoredSession) {
    if (!this.sessions.has(session.sessHash)) return false;
    this.sessions.set(session.sessHash, { ...session });
    return true;
  }

  async deleteSession(sessHash: string) {
    return this.sessions.delete(sessHash);
  }

  async deleteUserSessions(userId: number, exceptHash?: string) {
    const deleted: string[] = [];
    for (const [hash, session] of this.sessions) {
      if (session.kind === 'auth' && session.userId === userId && hash !== exceptHash) {
        this.sessions.delete(hash);
        deleted.push(hash);
      }
    }
    return deleted;
  }

  async deleteAllAuthSessions() {
    let count = 0;
    for (const [hash, session] of this.sessions) {
      if (session.kind === 'auth') {
        this.sessions.delete(hash);
        count++;
      }
    }
    return count;
  }

  async userSessions(userId: number) {
    return [...this.sessions.values()].filter((s) => s.kind === 'auth' && s.userId === userId).map((s) => ({ ...s }));
  }

  async sweepSessions(guestsBefore: number, nowMs: number) {
    for (const [hash, session] of this.sessions) {
      if (session.kind === 'guest' ? session.createdAt < guestsBefore : session.expiresAt !== null && session.expiresAt <= nowMs) this.sessions.delete(hash);
    }
  }

  async initRules(seed: number, initial: StoredRules) {
    if (!this.rules.has(seed)) this.rules.set(seed, initial);
    return this.rules.get(seed)!;
  }

  async loadRules(seed: number) {
    return this.rules.get(seed);
  }

  async saveRules(seed: number, rules: StoredRules) {
    this.rules.set(seed, rules);
  }

  async loadAreas(seed: number, userId: number) {
    return [...(this.areas.get(`${seed}:${userId}`)?.values() ?? [])];
  }

  async saveAreas(seed: number, userId: number, areas: Array<{ area: string; shapeVersion: number; state: Buffer }>) {
    const key = `${seed}:${userId}`;
    let stored = this.areas.get(key);
    if (!stored) this.areas.set(key, (stored = new Map()));
    for (const area of areas) stored.set(area.area, { ...area, version: (stored.get(area.area)?.version ?? 0) + 1 });
  }

  async listFaults() {
    return this.faults.map((f) => ({ ...f }));
  }

  async addFault(fault: Omit<StoredFault, 'id'>) {
    const added = { id: this.nextFaultId++, ...fault };
    this.faults.push(added);
    return { ...added };
  }

  async consumeFault(id: number) {
    const fault = this.faults.find((f) => f.id === id);
    if (!fault || fault.remaining === null) return;
    fault.remaining--;
    if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
  }

  async clearFaults() {
    this.faults = [];
  }

  async publish() {}
  async subscribe() {}
  async close() {}
}
