/**
 * A list read page by page with the API's cursors: the first page on `load()`, the next one on
 * `load(true)` (“Load more”), never more than one request at a time. Its loading and error states
 * are what LoadState shows.
 */
import { ApiProblem } from './api/control-client.ts';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export class PagedList<T> {
  items = $state<T[]>([]);
  cursor = $state<string | undefined>();
  loading = $state(true);
  loadingMore = $state(false);
  error = $state<string>();
  private generation = 0;

  constructor(private readonly fetchPage: (cursor: string | undefined) => Promise<Page<T>>) {}

  async load(more = false): Promise<void> {
    if (more && (this.loadingMore || !this.cursor)) return;
    // A newer first-page load (filters changed) wins over one still in flight.
    const generation = more ? this.generation : ++this.generation;
    if (more) this.loadingMore = true;
    else this.loading = true;
    this.error = undefined;
    try {
      const page = await this.fetchPage(more ? this.cursor : undefined);
      if (generation !== this.generation) return;
      this.items = more ? [...this.items, ...page.items] : page.items;
      this.cursor = page.nextCursor ?? undefined;
    } catch (e) {
      if (generation !== this.generation) return;
      this.error = errorText(e);
    } finally {
      if (generation === this.generation) {
        this.loading = false;
        this.loadingMore = false;
      }
    }
  }
}

/** A failure as one line for a page's error state. */
export function errorText(e: unknown): string {
  if (e instanceof ApiProblem) return `${e.problem.title}${e.problem.detail ? `: ${e.problem.detail}` : ''}`;
  return e instanceof Error ? e.message : String(e);
}
