/**
 * The terminal UI's plain first frame (the title bar's text and "reading …"),
 * apart from React and Ink so that the CLI can put it on screen before it has
 * loaded anything else (issue 14: first screen within 0.3 s; yargs alone takes
 * ~0.15 s of CPU to import, as long as Node's own start-up).
 *
 * Shown at most once per process: the CLI shows it as soon as its arguments
 * say a terminal UI will run (src/cli.ts, earlyFirstFrame), runTui shows it
 * when the CLI did not, and takes it over either way (its finally leaves the
 * alternate screen). When the run ends without reaching the UI (an error),
 * leaveFirstFrame() restores the screen before the error is printed.
 */

/** The alternate screen keeps the user's scrollback intact and gives a clean page. */
const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[H';
export const LEAVE_ALT_SCREEN = '\x1b[?1049l';

/** What the screen shows until Ink has drawn: the title bar's text and what is happening. */
function plainFirstFrame(title: string, comparing: boolean, columns: number): string {
  const cut = (s: string) => (s.length > columns ? `${s.slice(0, Math.max(0, columns - 1))}…` : s);
  return `${cut(`handshake-lens  ${title}`)}\r\n${cut(comparing ? 'comparing…' : `reading ${title}…`)}`;
}

/** The stream the frame was written to and not yet taken over by the UI, if any. */
let shownOn: NodeJS.WriteStream | null = null;

/** Enters the alternate screen and writes the plain first frame, unless already shown on `stdout`. */
export function showFirstFrame(stdout: NodeJS.WriteStream, title: string, comparing: boolean): void {
  if (shownOn === stdout) return;
  stdout.write(`${ENTER_ALT_SCREEN}${plainFirstFrame(title, comparing, stdout.columns ?? 80)}`);
  shownOn = stdout;
}

/** The UI owns the screen from here (it leaves the alternate screen itself). */
export function takeOverFirstFrame(): void {
  shownOn = null;
}

/** Leaves the alternate screen if a first frame is still up without a UI behind it. */
export function leaveFirstFrame(): void {
  if (shownOn === null) return;
  shownOn.write(LEAVE_ALT_SCREEN);
  shownOn = null;
}
