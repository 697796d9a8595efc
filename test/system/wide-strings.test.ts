/*
 * Strings of characters (issue 13 item 3): a String holds codes 0 to 255, one byte each, and a
 * String with a wider character is a WideString of code points (Pharo's WideString, GNU
 * Smalltalk's UnicodeString), made for such a literal, by the kernel for such a text, and by a
 * WriteStream that is given such a character. Sizes count characters; reversed, comparison,
 * printString, displayString, asSymbol, the Transcript and concatenation keep them; source and
 * output are UTF-8. Both back ends.
 */
import { describe, expect, it } from 'vitest';
import { describeCases, boot, BACKENDS, type Case } from './cases.ts';

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
    "#'aλ'", "'aλ'", 'true', "'#(1 $λ ''λ'')'", '3', "'alb'", '2', "'aλ3'", "'x=λ3'", 'WideString']],
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
