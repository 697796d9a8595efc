/*
 * Strings of characters (issue 13 item 3): a String holds codes 0 to 255, one byte each, and a
 * String with a wider character is a WideString of code points (Pharo's WideString, GNU
 * Smalltalk's UnicodeString), made for such a literal, by the kernel for such a text, and by a
 * WriteStream that is given such a character. Sizes count characters; reversed, comparison,
 * printString, displayString, asSymbol, the Transcript and concatenation keep them; source and
 * output are UTF-8. Both back ends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeCases, boot, BACKENDS, type Case } from './cases.ts';
import { openImage } from '../../image/open.ts';
import { saveImage } from '../../image/save.ts';
import { Bedrock } from '../../src/system/bedrock.ts';

const CASES: readonly Case[] = [
  ['sizes and characters, not bytes', [
    "'héllo' size", "'héllo' reversed", "'héllo' class", "'λx' size", "'λx' class", "('λx' at: 1) value", "'é' first value",
    "'hé' asByteArray", "'日本語' size", "'日本語' reversed", "'😀a' size",
  ].join('\n'), ['5', "'olléh'", 'String', '2', 'WideString', '955', '233', '#[104 233]', '3', "'語本日'", '2']],
  ['characters above 255', [
    '(Character value: 955) printString', '$λ', '$λ value', '(Character value: 955) == (Character value: 955)', '$λ = (Character value: 955)',
    "('λx' at: 1) = $λ", 'Character value: 16r110000', 'Character value: -1',
  ].join('\n'), ["'$λ'", '$λ', '955', 'true', 'true', 'true', /a Character's code is from 0 to 16r10FFFF, not 1114112/, /not -1/]],
  ['printing, concatenation, comparison, symbols', [
    "'λx' printString", "'λx' displayString", "'λx' , 'abc'", "'abc' , 'λx'", "'it''s λ' printString", "'λx' = 'λx' copy",
    "'λx' hash = 'λx' copy hash", "'abc' = 'λx'", "'λ' < 'μ'", "'μ' < 'λ'", "'a' < 'λ'", "'λx' asUppercase", "'aλ' asSymbol",
    "#'aλ' asString", "'aλ' asSymbol == #'aλ'", "#(1 $λ 'λ') printString", "'aλb' indexOf: $b", "'aλb' copyReplaceAll: 'λ' with: 'l'",
    "'λλx' asSet size", "(WriteStream on: String new) nextPutAll: 'a'; nextPut: $λ; print: 3; contents",
    "'x=λ' , 3 printString", "('a' , 'λ') class",
  ].join('\n'), ["'''λx'''", "'λx'", "'λxabc'", "'abcλx'", "'''it''''s λ'''", 'true', 'true', 'false', 'true', 'false', 'true', "'ΛX'",
    '#aλ', "'aλ'", 'true', "'#(1 $λ ''λ'')'", '3', "'alb'", '2', "'aλ3'", "'x=λ3'", 'WideString']],
  ['a Symbol holds characters too: a wide one is a WideSymbol, the same object however it is made', [
    "#'aλ' size", "#'aλ' class", "#'aλ' reversed", "#'aλ' asString", "#'aλ' asString class", "#'aλ'", "#'aλ' printString size",
    "#'aλ' displayString", "#'aλ' == 'aλ' asSymbol", "#'aλ' == (Symbol intern: 'aλ')", "#'aλ' == ('a' , 'λ') asSymbol",
    "#'aλ' == ('a' asWideString , 'λ') asSymbol", "#'aλ' == (WideString with: $a with: $λ) asSymbol", "#'aλ' == #'aλ' asString asSymbol",
    "(#'aλ' at: 2) value", "#'aλ' , 'b'", "#'aλ' = #'aλ'", "#'aλ' isSymbol", "#'aλ' isString", "#'λ:' numArgs",
    "#'aλ' hash = 'aλ' hash", "(Set new add: #'aλ'; add: 'aλ' asSymbol; yourself) size", "#'aλ' < #'aμ'",
    "#'aλ' at: 1 put: $b", "#'é' size", "#'é' class", "#'é' == 'é' asSymbol", "#'Ã©' size", "#'Ã©' == #'é'", "#'é'", "#abc",
    "#'aλ' asSymbol == #'aλ'", "#'日本語' size", "#'日本語' reversed", "#'😀a' size",
  ].join('\n'), ['2', 'WideSymbol', "'λa'", "'aλ'", 'WideString', '#aλ', '3', "'aλ'", 'true', 'true', 'true', 'true', 'true', 'true',
    '955', "'aλb'", 'true', 'true', 'true', '1', 'true', '1', 'true', /a Symbol cannot be changed/, '1', 'Symbol', 'true', '2', 'false',
    '#é', '#abc', 'true', '3', "'語本日'", '2']],
  ['names in source may hold any Unicode letter, as in Pharo (GNU Smalltalk 3.2.5 reads no byte above 127 in a name)', [
    '[:aλ | aλ + 1] value: 2', '| café | café := 4. café * 2', '#aλ:bμ: numArgs', "#aλ == #'aλ'", '#(aλ été) printString',
    "#aλ printString = '#aλ'", "(Symbol intern: 'a-λ') printString", 'Integer extend [ doppelẗ [ ^self * 2 ] ]', '3 doppelẗ',
    'Σ13 := 5', 'Σ13 + 1', "Object subclass: #Λόγος13 instanceVariableNames: 'aλ größe' classVariableNames: '' package: 'Wide13'",
    "Λόγος13 compile: 'aλ: x aλ := x. größe := x size'", "Λόγος13 compile: 'größe ^größe'", "(Λόγος13 new aλ: 'xyz'; größe)",
    'Λόγος13 instVarNames', 'Object subclass: #λower13', '3 × 4',
  ].join('\n'), ['3', '8', '2', 'true', "'#(#aλ #été)'", 'true', "'#''a-λ'''", /./, '6', '5', '6', 'Λόγος13',
    /./, /./, '3', '#(#aλ #größe)', /a class name starts with a capital letter/, /unexpected character '×'/]],
  ['a String holds codes 0 to 255: a wider character is a clear error', [
    '(String new: 2) at: 1 put: $λ', "'abc' copy at: 1 put: $λ; yourself",
  ].join('\n'), [/a String holds Characters \(codes 0 to 255\), not \$λ/, /a String holds Characters \(codes 0 to 255\), not \$λ/]],
];

describeCases('Wide strings', CASES);

describe.each(BACKENDS)('wide strings on the Transcript and in errors (%s)', (backend) => {
  it('the Transcript and displayNl write the characters (UTF-8 out), an error message keeps them', () => {
    const b = boot(backend);
    const outcomes = b.evaluate("Transcript showCr: 'λ é 日本'\n'ok λ' displayNl\n[self error: 'bad λ'] on: Error do: [:e | e messageText]\nself error: 'no λ here'");
    expect(outcomes.map((o) => o.output ?? '').join('')).toBe('λ é 日本\nok λ\n');
    expect(outcomes[2].text).toBe("'bad λ'");
    expect(outcomes[3].kind).toBe('error');
    expect(outcomes[3].text).toMatch(/no λ here/);
  });
});

describe('wide Symbols in a saved image', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bedrock-wide-symbols-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('are the same objects after the image is opened again as the text interns to, and a method whose source has them saves', () => {
    const b = boot('native');
    const setup = b.run([
      "Smalltalk at: #Wide13 put: (Array with: #'aλ' with: 'bμ' asSymbol with: #'ñ' with: #'日本')",
      'Object subclass: #WideHolder13',
      "WideHolder13 class name13 -> ^#'λx'",
    ].join('\n'));
    expect(setup.join('\n')).not.toMatch(/rror/);
    const path = join(dir, 'wide.image');
    const saved = saveImage(b.kernel, path, { backend: b.backend, journal: { id: 'wide-symbols', seq: 0, offset: 0 } });
    expect(saved.ok, saved.ok ? '' : saved.error).toBe(true);
    const opened = openImage(path);
    if (!opened.ok) throw new Error(`${opened.check}: ${opened.message}`);
    const again = Bedrock.resume(opened.kernel, { backend: 'native' });
    expect(again.run([
      "(Wide13 at: 1) == #'aλ'", "(Wide13 at: 2) == ('b' , 'μ') asSymbol", "(Wide13 at: 3) == (Symbol intern: 'ñ')", "(Wide13 at: 4) == #'日本'",
      '(Wide13 collect: [:each | each size]) asArray', '(Wide13 collect: [:each | each class]) asArray', 'Wide13',
      "WideHolder13 name13 == 'λx' asSymbol", 'WideHolder13 name13 reversed',
    ].join('\n'))).toEqual(['true', 'true', 'true', 'true', '#(2 2 1 2)', 'an Array(WideSymbol WideSymbol Symbol WideSymbol)', "#(#aλ #bμ #ñ #'日本')",
      'true', "'xλ'"]);
  });
});
