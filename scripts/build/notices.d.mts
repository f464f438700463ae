// Types for notices.mjs, which the build runs as plain JavaScript and the tests import.
export interface BundledPackage { name: string; dir: string }
export function packageOf(input: string): BundledPackage | undefined;
export function bundledPackages(metafile: { inputs: Record<string, unknown> }): BundledPackage[];
export class NoticeError extends Error {}
export function noticeFor(root: string, pkg: BundledPackage): { name: string; version: string; license: string; body: string };
export function noticesDocument(root: string, metafile: { inputs: Record<string, unknown> }): string;
