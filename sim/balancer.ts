import type { SimInstance } from './model.js';

/**
 * "New streams go to the least-loaded serving instance": a binary min-heap on
 * (active requests, position), so ties go to the earlier (older) instance and each
 * arrival costs O(log n) instead of a scan of the fleet.
 */
export class LeastLoaded {
  private items: SimInstance[] = [];
  private heap: number[] = [];

  reset(items: SimInstance[]): void {
    this.items = items;
    this.heap = items.map((_, i) => i);
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  /** The least-loaded instance, or undefined when none takes streams. */
  peek(): SimInstance | undefined {
    const top = this.heap[0];
    return top === undefined ? undefined : this.items[top];
  }

  /** Call after the top instance's load went up. */
  topChanged(): void {
    this.siftDown(0);
  }

  private less(a: number, b: number): boolean {
    const la = (this.items[a] as SimInstance).engine.total;
    const lb = (this.items[b] as SimInstance).engine.total;
    return la < lb || (la === lb && a < b);
  }

  private siftDown(start: number): void {
    const heap = this.heap;
    const n = heap.length;
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      const r = l + 1;
      const m = r < n && this.less(heap[r] as number, heap[l] as number) ? r : l;
      if (!this.less(heap[m] as number, heap[i] as number)) return;
      const t = heap[i] as number;
      heap[i] = heap[m] as number;
      heap[m] = t;
      i = m;
    }
  }
}
