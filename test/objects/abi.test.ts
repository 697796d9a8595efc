/*
 * One ABI, named once (issue 12, item 2): kernel/abi.ts declares the register roles, the
 * parameter registers, the callee-saved set and the frame; kernel/objects/layout.ts the
 * objects' layouts, exported to assembly bodies by name (kernelConstants). These tests check
 * that kernel/ABI.md says what abi.ts declares, that no other TypeScript module declares them
 * again, that no .bedrock source holds a bare offset into an object or a frame, and that an
 * assembly body can name the constants.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { CALLEE_SAVED, FRAME, LIVE_AT_RET, PARAMETER_REGISTER_NUMBERS, PARAMETER_REGISTERS, REG, ROLE } from '../../kernel/abi.ts';
import {
  BEHAVIOUR, BINDING, CLOSURE, CONTEXT, ENTRY, HOME_SAVED, kernelConstants, MESSAGE, METHOD, ROOTS, SEND_SITE,
} from '../../kernel/objects/layout.ts';
import { frameOffset } from '../../src/compiler/ir.ts';
import { THREADED_BIAS } from '../../src/compiler/threaded.ts';
import type { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

function files(dir: string, ext: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir)).sort()) {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...files(path, ext));
    else if (name.endsWith(ext)) out.push(path);
  }
  return out;
}

describe('kernel/ABI.md agrees with kernel/abi.ts', () => {
  const doc = read('kernel/ABI.md');
  /** The Registers table: register -> (role, preserved). */
  const rows = new Map<string, { role: string; preserved: string }>();
  const registers = doc.slice(doc.indexOf('## Registers'), doc.indexOf('\n## ', doc.indexOf('## Registers') + 1));
  for (const line of registers.split('\n')) {
    const m = /^\| ([a-z0-9, ]+) \| (.*) \| (.*) \|$/.exec(line);
    if (!m || m[1] === 'register') continue;
    for (const r of m[1].split(',').map((x) => x.trim())) rows.set(r, { role: m[2], preserved: m[3] });
  }

  it('every register has a row, and the preserved column is the callee-saved set', () => {
    for (const r of Object.keys(REG)) {
      const row = rows.get(r);
      expect(row, r).toBeDefined();
      expect(row!.preserved.startsWith('yes'), r).toBe(CALLEE_SAVED.includes(r as never));
    }
    expect(LIVE_AT_RET).toEqual([REG.rax, ...CALLEE_SAVED.map((r) => REG[r])]);
  });

  it('each role is in its register\'s row', () => {
    const words: Record<string, RegExp> = {
      TOS: /top of the value stack/, STACK: /machine stack/, MEMORY_CURSOR: /Memory. cursor/, OPERAND: /operand of the current threaded pair/,
      SITE: /send site/, SERVICE: /host service number/, FRAME: /frame pointer/, VECTOR: /threaded code vector/, PAIR_INDEX: /pair index/,
      THREADED_FRAME: /frame of a threaded method/, THREADED_RETURN: /return address of a threaded primitive/,
    };
    for (const [role, reg] of Object.entries(ROLE)) expect(rows.get(reg)?.role, role).toMatch(words[role]);
  });

  it('the parameter registers, in order', () => {
    expect(doc).toContain(`(${PARAMETER_REGISTERS.join(', ')} in order)`);
    expect(PARAMETER_REGISTER_NUMBERS).toEqual(PARAMETER_REGISTERS.map((r) => REG[r]));
  });

  it('the frame: the compiler places self, the spilled top and the temporaries where FRAME says', () => {
    expect(frameOffset({ kind: 'self' }, 2, 0)).toBe(FRAME.SELF);
    expect(frameOffset({ kind: 'argument', index: 2 }, 2, 0)).toBe(FRAME.SPILLED);
    expect(frameOffset({ kind: 'temp', index: 0 }, 2, 0)).toBe(FRAME.TEMP0);
    expect(frameOffset({ kind: 'temp', index: 3 }, 2, 0)).toBe(FRAME.TEMP0 - 24);
    expect(THREADED_BIAS).toBe(FRAME.THREADED_BIAS);
  });
});

describe('declared once', () => {
  it('no TypeScript module but kernel/abi.ts lists the parameter registers or the registers live at ret', () => {
    const offenders: string[] = [];
    for (const path of [...files('kernel', '.ts'), ...files('src', '.ts'), ...files('bootstrap', '.ts')]) {
      if (path === join('kernel', 'abi.ts')) continue;
      const text = read(path);
      if (/\[\s*6,\s*2,\s*1,\s*8,\s*9\s*\]|'rsi',\s*'rdx',\s*'rcx',\s*'r8',\s*'r9'|\[\s*0,\s*4,\s*5,\s*3,\s*7,\s*12/.test(text)) offenders.push(path);
    }
    expect(offenders).toEqual([]);
  });

  it('the layout constants assembly names are the layouts\' own offsets', () => {
    const c = kernelConstants();
    const tables: [string, Readonly<Record<string, number>>][] = [
      ['CLOSURE', CLOSURE], ['CONTEXT', CONTEXT], ['BEHAVIOUR', BEHAVIOUR], ['BINDING', BINDING], ['MESSAGE', MESSAGE],
      ['METHOD', METHOD], ['ENTRY', ENTRY], ['SITE', SEND_SITE], ['HOME_SAVED', HOME_SAVED],
    ];
    for (const [prefix, table] of tables) {
      for (const [name, index] of Object.entries(table)) if (name !== 'SIZE') expect(c[`${prefix}_${name}`], `${prefix}_${name}`).toBe(8 * index);
    }
    expect(c.ROOT_ACTIVE).toBe(8 * ROOTS.ACTIVE);
    expect(c.ROOT_ARITHMETIC).toBe(8 * ROOTS.ARITHMETIC_OVERRIDDEN);
    expect([c.HEADER, c.FRAME_SELF, c.FRAME_ENV, c.FRAME_SPILLED]).toEqual([-8, FRAME.SELF, FRAME.TEMP0, FRAME.SPILLED]);
    expect([c.HOME_RBX, c.HOME_R12, c.HOME_R13]).toEqual([-24, -16, -8]);
    // No constant is an address: none is past low memory's reach as a cell.
    for (const [name, v] of Object.entries(c)) expect(Math.abs(v), name).toBeLessThan(1 << 20);
  });

  it('no .bedrock source holds a bare offset into an object or a frame (only stack positions from rsp)', () => {
    const offenders: string[] = [];
    for (const path of files('bootstrap', '.bedrock')) {
      read(path).split('\n').forEach((line, i) => {
        if (/^\s*(\w+:\s*)?lea\b/.test(line)) return; // lea computes a number; it reaches nothing
        // (assembly operands are written without spaces; a Smalltalk block such as [y - 1] has them)
        for (const m of line.matchAll(/\[([a-z][A-Za-z0-9]*)(\+[a-z][a-z0-9]*\*\d)?[+-]\d+\]/g)) {
          if (m[1] !== 'rsp') offenders.push(`${path}:${i + 1}: ${m[0]}`);
        }
      });
    }
    expect(offenders).toEqual([]);
  });

  it('nor does message code name a kernel object\'s slot or a SYSTEM operation by number', () => {
    const offenders: string[] = [];
    for (const path of files('bootstrap', '.bedrock')) {
      read(path).split('\n').forEach((line, i) => {
        if (/primSystem: \d/.test(line)) offenders.push(`${path}:${i + 1}: ${line.trim()}`);
        if (/^(CompiledMethod|Message|Binding|Behaviour|MethodEntry)\b.*\b(basicAt|instVarAt|primAt):( put:)? ?\d/.test(line)) offenders.push(`${path}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(offenders).toEqual([]);
  });
});

describe('assembly bodies name the layout', () => {
  let b: Bedrock;
  beforeAll(() => { b = bootSystem(); });

  it('a primitive reads a closure\'s argument count, a header and a binding by name', () => {
    expect(b.run([
      'Object subclass: #AbiProbe',
      'AbiProbe class argsOf: aBlock -> mov rax, [aBlock+CLOSURE_ARGC]; ret',
      'AbiProbe class slotsOf: anObject -> mov rax, [anObject+HEADER]; shl rax, HEADER_SLOTS_SHIFT; shr rax, HEADER_SLOTS_SHIFT; ret',
      'AbiProbe class parentOf: aClass -> mov rax, [aClass+BEHAVIOUR_PARENT]; ret',
      'AbiProbe argsOf: [:x :y | x]',
      'AbiProbe slotsOf: (Array new: 7)',
      'AbiProbe parentOf: AbiProbe',
    ].join('\n'))).toEqual(['AbiProbe', 'AbiProbe class>>argsOf:', 'AbiProbe class>>slotsOf:', 'AbiProbe class>>parentOf:', '2', '7', 'Object']);
  });

  it('a body names a class index as INDEX_OF_Name, and an object\'s class index is its header shifted', () => {
    expect(b.run([
      'Object subclass: #AbiIndexProbe',
      'AbiIndexProbe class classIndexOf: anObject -> mov rax, [anObject+HEADER]; shr rax, CLASS_SHIFT; ret',
      'AbiIndexProbe class probeIndex -> mov rax, INDEX_OF_AbiIndexProbe; ret',
      '(AbiIndexProbe classIndexOf: AbiIndexProbe new) = AbiIndexProbe probeIndex',
      '(AbiIndexProbe classIndexOf: 1.5) = AbiIndexProbe probeIndex',
    ].join('\n'))).toEqual(['AbiIndexProbe', 'AbiIndexProbe class>>classIndexOf:', 'AbiIndexProbe class>>probeIndex', 'true', 'false']);
    const [o] = b.evaluate('AbiIndexProbe class nope -> mov rax, INDEX_OF_NoSuchClass; ret');
    expect(o.kind).toBe('error');
    expect(o.text).toMatch(/INDEX_OF_NoSuchClass: NoSuchClass is not a class/);
  });

  it('an old fixed address is a clear error', () => {
    const [o] = b.evaluate('AbiProbe class nilOf: x -> mov rax, [NIL_CELL]; ret');
    expect(o.kind).toBe('error');
    expect(o.text).toMatch(/NIL_CELL was a fixed address.*\[rip\+NIL\]/);
  });
});
