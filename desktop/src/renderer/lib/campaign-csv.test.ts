import { describe, expect, it } from 'vitest';
import { guessNumberColumn, parseCsv, previewCsv, variableNameOf } from './campaign-csv.ts';

describe('the contacts CSV preview', () => {
  it('reads quoted cells with commas, doubled quotes and line breaks, a BOM and CRLF', () => {
    const text = '\ufeffphone,Note\r\n+442079460001,"a, ""b""\nc"\r\n\r\n+442079460002,plain\n';
    expect(parseCsv(text)).toEqual([
      ['phone', 'Note'],
      ['+442079460001', 'a, "b"\nc'],
      ['+442079460002', 'plain'],
    ]);
    expect(previewCsv(text, 1)).toMatchObject({ header: ['phone', 'Note'], rows: [['+442079460001', 'a, "b"\nc']] });
  });

  it('counts the rows of a file without a trailing newline and skips empty lines', () => {
    expect(previewCsv('number\n+1\n\n+2').rowCount).toBe(2);
    expect(previewCsv('').header).toEqual([]);
  });

  it('guesses the number column and names variables the way the API accepts them', () => {
    expect(guessNumberColumn(['Name', 'Mobile phone', 'x'])).toBe('Mobile phone');
    expect(guessNumberColumn(['a', 'b'])).toBe('a');
    expect(variableNameOf('First name')).toBe('first_name');
    expect(variableNameOf('2nd address')).toBe('_2nd_address');
    expect(variableNameOf('***')).toBe('column');
    for (const h of ['First name', '2nd address', 'Ünïcode', 'x'.repeat(100)]) {
      expect(variableNameOf(h)).toMatch(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/);
    }
  });
});
