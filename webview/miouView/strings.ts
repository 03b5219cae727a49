import type { MiouViewStrings } from '../../src/core/miouProtocol';

let current: MiouViewStrings | undefined;

/** Keeps the host's strings (its first message); the view renders nothing before them. */
export function setStrings(strings: MiouViewStrings): void {
  current = strings;
}

/** The view's words in VS Code's display language. */
export function strings(): MiouViewStrings {
  if (!current) throw new Error('the mIoU view has no strings from the host yet');
  return current;
}
