import { gstinCheckCharacter, gstinProblem, isValidGstin, panOfGstin } from '../../domain/gstin';

describe('GSTIN validation', () => {
  it('computes the check character of the worked example', () => {
    expect(gstinCheckCharacter('29ABCDE1234F1Z')).toBe('W');
  });

  it.each(['29ABCDE1234F1ZW', '27AAJCM4455Q1ZP', '29AAJCM4455Q1ZL', '07BQWPS9876K1ZC', '33AAGFT2468L2ZU', ' 29abcde1234f1zw '])(
    'accepts %s',
    (gstin) => expect(isValidGstin(gstin)).toBe(true),
  );

  it.each([
    ['29ABCDE1234F1ZX', 'check_character'],
    ['72AAJCM4455Q1ZP', 'state_code'],
    ['07BQWPS9876K1YC', 'format'],
    ['33AAGFT2468L2Z', 'length'],
    ['29ABCDE1234F0ZW', 'format'],
  ])('refuses %s (%s)', (gstin, problem) => {
    expect(gstinProblem(gstin)).toBe(problem);
  });

  it('extracts the PAN shared by branches', () => {
    expect(panOfGstin('27AAJCM4455Q1ZP')).toBe(panOfGstin('29AAJCM4455Q1ZL'));
  });
});
