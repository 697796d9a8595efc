/*
 * The image format's layout fingerprint (format.ts): the first 16 hex digits of the SHA-256 of
 * every layout the host's TypeScript reads objects by and of the register state's shape. On
 * its own, with no other imports, so that the build can compute it from the sources and write
 * it into the bundles (bin/build.mjs).
 */
import { sha256Hex } from './sha256.ts';
import { STATE, STATE_BYTES } from '../kernel/machine/cells.ts';
import {
  BEHAVIOUR, BINDING, CLASS, CLOSURE, CONTEXT, ENTRY, INSTANCE_FORMAT, LOG, MARK, MESSAGE, METHOD, METHOD_KIND, ROOTS, SERVICE,
} from '../kernel/objects/layout.ts';

/** What the layout fingerprint is the SHA-256 of (its first 16 hex digits). */
export function layoutText(): string {
  return JSON.stringify({ BEHAVIOUR, BINDING, CLASS, CLOSURE, CONTEXT, ENTRY, INSTANCE_FORMAT, LOG, MARK, MESSAGE, METHOD, METHOD_KIND, ROOTS, SERVICE, STATE, STATE_BYTES });
}

/** The layout fingerprint, computed. */
export function layoutFingerprint(): string {
  return sha256Hex(new TextEncoder().encode(layoutText())).slice(0, 16);
}
