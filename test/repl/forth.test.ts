/*
 * The REPL in Forth: `.forth` and `.smalltalk` switch the language entries are read in, and
 * the prompt says which. Driven through ink-testing-library's stdin as a terminal would drive
 * it; every assertion is on the frames Ink draws.
 */
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../src/repl/App.tsx';
import { Workspace, type Persistence } from '../../src/session/workspace.ts';
import type { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';

let bedrock: Bedrock;
beforeAll(() => { bedrock = bootSystem(); });

type Instance = ReturnType<typeof render>;
const apps: Instance[] = [];
afterEach(() => { for (const a of apps.splice(0)) a.unmount(); });

const frame = (app: Instance): string => (app.lastFrame() ?? '').replace(/\x1b\[[0-9;]*m/g, '');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function shows(app: Instance, text: string | RegExp, ms = 15_000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const f = frame(app);
    if (typeof text === 'string' ? f.includes(text) : text.test(f)) return f;
    if (Date.now() > end) throw new Error(`timed out waiting for ${text}; the screen was:\n${f}`);
    await sleep(15);
  }
}

async function type(app: Instance, text: string): Promise<void> {
  for (const ch of text) {
    app.stdin.write(ch === '\n' ? '\r' : ch);
    await sleep(2);
  }
}

describe('the REPL in Forth', () => {
  it('.forth reads entries as Forth with a forth prompt; .smalltalk goes back, and the words are there', async () => {
    const app = render(createElement(App, { workspace: new Workspace(bedrock) }));
    apps.push(app);
    await shows(app, 'heap');
    await type(app, '.forth\n');
    await shows(app, /^forth› ?$/m);
    await type(app, ': SQ  DUP * ;\n');
    await shows(app, /forth› : SQ  DUP \* ;\nok\n/);
    // A tick, a bracket and a quote are Forth's here: Enter still submits the line.
    await type(app, "7 SQ .  3 ' SQ EXECUTE . CHAR [ EMIT\n");
    await shows(app, /forth› 7 SQ \.  3 ' SQ EXECUTE \. CHAR \[ EMIT\n49 9 \[\nok\n/);
    // gforth's first float line: what it printed, then ok (the float stack is its own).
    await type(app, '1e 2e f+ f.\n');
    await shows(app, /forth› 1e 2e f\+ f\.\n3\. ?\nok\n/);
    await type(app, '1 2\n');
    await shows(app, /forth› 1 2\nok <2> 1 2\n/);
    await type(app, '+ . NOSUCH\n');
    const f = await shows(app, />>>NOSUCH<<</);
    expect(f).toMatch(/forth› \+ \. NOSUCH\n3 ?\n:1: Undefined word\n\+ \. >>>NOSUCH<<<\n/);
    await type(app, '.smalltalk\n');
    await shows(app, /^› ?$/m);
    await type(app, "Forth call: 'SQ' with: {12}\n");
    await shows(app, /› Forth call: 'SQ' with: \{12\}\n144\n/);
  });

  it('a fault in a Forth line is reported as gforth words it, with the debugger on for Smalltalk', async () => {
    const app = render(createElement(App, { workspace: new Workspace(bedrock), debugger: 'ask' }));
    apps.push(app);
    await shows(app, 'heap');
    await type(app, '.forth\n');
    await shows(app, /^forth› ?$/m);
    await type(app, ': BADDIV 1 0 / ;\n');
    await shows(app, /forth› : BADDIV 1 0 \/ ;\nok\n/);
    await type(app, 'BADDIV\n');
    const f = await shows(app, /forth› BADDIV\n:1: Division by zero\n/);
    expect(f).not.toMatch(/debugger/);
    await type(app, '2 3 + .\n');
    await shows(app, /forth› 2 3 \+ \.\n5 ?\nok\n/);
    // Smalltalk's errors still ask whether to open the debugger
    await type(app, '.smalltalk\n');
    await shows(app, /^› ?$/m);
    await type(app, '1/0\n');
    await shows(app, /Open the debugger\?/);
  });

  it('BYE leaves as .quit does: asking first when there are unsaved changes', async () => {
    // An image with one change not saved, so that leaving asks first.
    const image: Persistence = {
      path: '/tmp/bye.image',
      start: (item) => { const r = bedrock.startItem(item); return { step: (n: number) => { const o = r.step(n); return o === null ? null : [o]; } }; },
      mark: () => null, forget: () => null,
      save: () => null, unsavedChanges: () => 1, changes: () => [], recover: () => ({ lines: [], failed: false }), close: () => undefined,
    };
    const app = render(createElement(App, { workspace: new Workspace(bedrock, image) }));
    apps.push(app);
    await shows(app, 'heap');
    await type(app, '.forth\n');
    await shows(app, /^forth› ?$/m);
    await type(app, ': BYE-TEST 1 ;\n');
    await shows(app, /BYE-TEST 1 ;\nok\n/);
    await type(app, '2 . bye\n');
    const f = await shows(app, /Save before leaving\? \[y\]es \[n\]o \[c\]ancel/);
    expect(f).toMatch(/forth› 2 \. bye\n2 ?\n/);
    await type(app, 'c');
    await type(app, '3 .\n');
    await shows(app, /forth› 3 \.\n3 ?\nok\n/);
  });
});
