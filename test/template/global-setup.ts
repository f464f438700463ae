import { ensurePackaged } from './template.js';

/** Packages the stack once for the template tier, before any of its files runs; they only read it. */
export default function setup(): void {
  ensurePackaged();
}
