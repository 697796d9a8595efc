/*
 * Forth words live in the image: defined, saved, opened again in a new session, they still
 * work from Forth and from Smalltalk (whose first call attaches the Forth system), and the
 * kernel's marks take Forth words away as they take Smalltalk methods.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveImage } from '../../image/save.ts';
import { Session } from '../../src/session/session.ts';
import { bootSystem } from '../support/system.ts';
import { Forth } from '../../src/forth/forth.ts';

const dir = mkdtempSync(join(tmpdir(), 'bedrock-forth-image-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A new image starts as a copy of the test system (booting one again would take long). */
const TEMPLATE = join(dir, 'template.image');
beforeAll(() => {
  const b = bootSystem();
  const saved = saveImage(b.kernel, TEMPLATE, { backend: b.backend, journal: { id: 'forth-template', seq: 0, offset: 0 } });
  if (!saved.ok) throw new Error(saved.error);
});

function open(path: string, template = TEMPLATE): Session {
  const s = Session.open(path, { template });
  if (!(s instanceof Session)) throw new Error(`${s.check}: ${s.message}`);
  return s;
}

function forth(s: Session): Forth {
  const f = Forth.of(s.bedrock);
  if (typeof f === 'string') throw new Error(f);
  return f;
}

function st(s: Session, source: string): string {
  const o = s.evaluate(source);
  const bad = o.find((x) => x.kind === 'error');
  if (bad) throw new Error(bad.text);
  return o[o.length - 1].text;
}

describe('Forth words in an image', () => {
  it('survive a save and work again after opening, from Smalltalk first and from Forth', () => {
    const path = join(dir, 'words.image');
    const a = open(path);
    const r = forth(a).interpret(': SQUARE DUP * ;\nVARIABLE COUNTER 42 COUNTER !\n: BUMP 1 COUNTER +! ;\nCREATE TABLE 10 , 20 , 30 ,');
    expect(r.ok, r.error).toBe(true);
    expect(st(a, "Forth call: 'SQUARE' with: {6}")).toBe('36');
    expect(a.save()).toEqual({ ok: true });
    a.close();

    const b = open(path);
    // Smalltalk reaches Forth before anything in this session made the Forth system.
    expect(st(b, "Forth call: 'SQUARE' with: {7}")).toBe('49');
    expect(st(b, "Forth evaluate: 'BUMP COUNTER @ TABLE 2 CELLS + @'")).toBe('#(43 30)');
    const f = forth(b);
    const r2 = f.interpret('5 SQUARE . COUNTER @ . : TWICE-SQUARE SQUARE 2 * ; 3 TWICE-SQUARE .');
    expect(r2.error).toBeUndefined();
    expect(r2.output).toBe('25 43 18 ');
    expect(st(b, '(Forth includesSelector: #SQUARE) printString')).toBe("'true'");
    b.close();
  });

  it('keep wordlists, the search order, ALLOCATEd blocks and 2VALUEs', () => {
    const path = join(dir, 'lists.image');
    const a = open(path);
    const r = forth(a).interpret([
      'WORDLIST CONSTANT EXTRA  EXTRA SET-CURRENT  : HIDDEN 77 ;  FORTH-WORDLIST SET-CURRENT',
      'GET-ORDER EXTRA SWAP 1+ SET-ORDER',
      'VARIABLE BLK1  16 ALLOCATE THROW BLK1 !  12345 BLK1 @ 8 + !  1 2 2VALUE PAIR',
    ].join('\n'));
    expect(r.ok, r.error).toBe(true);
    expect(a.save()).toEqual({ ok: true });
    a.close();

    const b = open(path);
    const r2 = forth(b).interpret('HIDDEN . BLK1 @ 8 + @ . PAIR . . 3 4 TO PAIR PAIR . . PREVIOUS [DEFINED] HIDDEN .');
    expect(r2.error).toBeUndefined();
    expect(r2.output).toBe('77 12345 2 1 4 3 0 ');
    b.close();
  });

  it('a mark of the session takes Forth words away and brings shadowed ones back', () => {
    const s = open(join(dir, 'marks.image'));
    const f = forth(s);
    expect(f.interpret(': GREETING 1 ;').ok).toBe(true);
    expect(s.mark('before')).toBeNull();
    expect(f.interpret(': GREETING 2 ; : EXTRA 3 ;').ok).toBe(true);
    expect(st(s, "Forth evaluate: 'GREETING EXTRA'")).toBe('#(2 3)');
    expect(s.forget('before')).toBeNull();
    expect(st(s, "Forth evaluate: 'GREETING'")).toBe('1');
    expect(f.interpret('EXTRA').error).toMatch(/Undefined word/);
    f.clearStack();
    s.close();
  });

  it('Forth typed in a session is journaled, and a crash loses none of it: the journal replays it as Forth', () => {
    const path = join(dir, 'journal.image');
    const a = open(path);
    const r = a.forth(': HALVE 2/ ;\nVARIABLE TOTAL 100 TOTAL !');
    expect(typeof r !== 'string' && r.ok).toBe(true);
    expect(a.forth('1 NOSUCH')).toMatchObject({ ok: false }); // an error is not journaled
    expect(a.unsavedChanges()).toBe(1);
    a.close(); // no save: as if the process died

    const b = open(path);
    expect(b.pendingJournal().map((e) => [e.kind, e.source])).toEqual([['forth', ': HALVE 2/ ;\nVARIABLE TOTAL 100 TOTAL !']]);
    expect(b.recover()).toEqual({ replayed: 1 });
    expect(st(b, "Forth evaluate: '84 HALVE TOTAL @'")).toBe('#(42 100)');
    b.close();
  });
});
