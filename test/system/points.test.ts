/*
 * Points and Rectangles as GNU Smalltalk and Pharo have them: the Blue Book's protocol (dist:,
 * normal, grid:, truncateTo:, corner:, extent:, containsPoint:, intersects:, merge:, insetBy:
 * ...). The expected text is what `gst` 3.2.5 printed for these very statements, recorded here
 * so that the test needs no gst to run; `(3@4) normal` is -0.8@0.6 (gst 3.2.5 fails to print
 * that Float, a bug of its own). Pharo's additions gst lacks (truncated, roundTo:, r, theta)
 * follow Pharo.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bedrock } from '../../src/system/bedrock.ts';
import { readSourceFile } from '../../src/lang/filein.ts';
import { boot, BACKENDS } from './cases.ts';

const STATEMENTS = [
  "((3@4) dist: 0@0) printNl.",
  "((1@1) dist: (4@5)) printNl.",
  "(3.7@4.2) rounded printNl.",
  "((37@42) truncateTo: 10) printNl.",
  "((37@42) grid: 10@10) printNl.",
  "(0@5) normal printNl.",
  "(3@4) normal printNl.",
  "(1.5@2) printNl.",
  "((1/2)@3) printNl.",
  "((1@2) corner: (3@5)) printNl.",
  "((1@2) extent: (3@5)) printNl.",
  "((1@2) corner: (3@5)) width printNl.",
  "((1@2) corner: (3@5)) height printNl.",
  "((1@2) corner: (3@5)) area printNl.",
  "((1@2) corner: (3@5)) center printNl.",
  "((1@2) corner: (3@5)) extent printNl.",
  "(((1@2) corner: (3@5)) containsPoint: 2@3) printNl.",
  "(((1@2) corner: (3@5)) containsPoint: 3@5) printNl.",
  "(((1@2) corner: (3@5)) intersects: ((2@3) corner: (9@9))) printNl.",
  "(((1@2) corner: (3@5)) intersects: ((4@3) corner: (9@9))) printNl.",
  "(((1@2) corner: (3@5)) = ((1@2) corner: (3@5))) printNl.",
  "(((1@2) corner: (3@5)) translateBy: 10@10) printNl.",
  "(Rectangle origin: 0@0 corner: 10@10) printNl.",
  "(Rectangle origin: 1@2 extent: 3@3) printNl.",
  "(Rectangle left: 1 right: 5 top: 2 bottom: 8) printNl.",
  "((1@2) corner: (3@5)) topLeft printNl.",
  "((1@2) corner: (3@5)) bottomRight printNl.",
  "((1@2) corner: (3@5)) topRight printNl.",
  "((1@2) corner: (3@5)) bottomLeft printNl.",
  "((1@2) corner: (3@5)) left printNl.",
  "((1@2) corner: (3@5)) right printNl.",
  "((1@2) corner: (3@5)) top printNl.",
  "((1@2) corner: (3@5)) bottom printNl.",
  "(((1@2) corner: (3@5)) merge: ((0@4) corner: (2@9))) printNl.",
  "(((1@2) corner: (3@5)) intersect: ((2@3) corner: (9@9))) printNl.",
  "(((0@0) corner: (10@10)) insetBy: 2) printNl.",
  "(((0@0) corner: (10@10)) expandBy: 2) printNl.",
  "(((0@0) corner: (10@10)) scaleBy: 2) printNl.",
  "(((0@0) corner: (10@10)) moveTo: 5@5) printNl.",
  "((1.4@2.6) corner: (3@5)) rounded printNl.",
  "((3@4) x: 7; yourself) printNl.",
  "(Point x: 1 y: 2) printNl.",
  "(3@4) transpose printNl.",
  "((3@4) dotProduct: (1@2)) printNl.",
  "(1@0) arcTan printNl.",
];

/** What gst printed for STATEMENTS, a line each. */
const GST_OUTPUT = [
  "5.0",
  "5.0",
  "4@4",
  "30@40",
  "40@40",
  "-1.0@0.0",
  "-0.8@0.6",
  "1.5@2",
  "1/2@3",
  "1@2 corner: 3@5",
  "1@2 corner: 4@7",
  "2",
  "3",
  "6",
  "2@7/2",
  "2@3",
  "true",
  "false",
  "true",
  "false",
  "true",
  "11@12 corner: 13@15",
  "0@0 corner: 10@10",
  "1@2 corner: 4@5",
  "1@2 corner: 5@8",
  "1@2",
  "3@5",
  "3@2",
  "1@5",
  "1",
  "3",
  "2",
  "5",
  "0@2 corner: 3@9",
  "2@3 corner: 3@5",
  "2@2 corner: 8@8",
  "-2@-2 corner: 12@12",
  "0@0 corner: 20@20",
  "5@5 corner: 15@15",
  "1@3 corner: 3@5",
  "7@4",
  "1@2",
  "4@3",
  "11",
  "0.0",
];

describe.each(BACKENDS)('Points and Rectangles (%s)', (backend) => {
  let b: Bedrock;
  beforeAll(() => { b = boot(backend); });

  it('answer what GNU Smalltalk answers', () => {
    const read = readSourceFile(STATEMENTS.join('\n'), 'points.st');
    expect(read.error).toBeUndefined();
    const outcomes = read.items.map((item) => b.evaluateItem(item));
    expect(outcomes.filter((o) => o.kind === 'error').map((o) => o.kind === 'error' && o.text)).toEqual([]);
    expect(outcomes.map((o) => o.output ?? '').join('').split('\n').slice(0, -1)).toEqual(GST_OUTPUT);
  });

  it('have Pharo\'s additions, and any Number makes a Point', () => {
    expect(b.run([
      '(3.7@4.2) truncated', '(37@42) roundTo: 10', '(3@4) r', '(0@1) theta', '(0@-1) theta = (Float pi * 3 / 2)',
      '(1.5@(1/2)) + 1', '(2@3) corner: (4@5)', '((0@0) corner: (4@4)) containsRect: ((1@1) corner: (4@4))', '(1@1) isRectangle',
    ].join('\n'))).toEqual(['(3@4)', '(40@40)', '5.0', '1.5707963267948966', 'true', '(2.5@(3/2))', '(2@3) corner: (4@5)', 'true', 'false']);
  });
});
