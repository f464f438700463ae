import { describe, expect, it } from 'vitest';
import { predictiveFromEnv } from '../../functions/scale.js';

describe('FLEET_SCALER_PREDICTIVE', () => {
  it.each([
    { value: undefined, on: false },
    { value: '', on: false },
    { value: 'false', on: false },
    { value: 'true', on: true },
  ])('$value -> $on', ({ value, on }) => {
    expect(predictiveFromEnv(value === undefined ? {} : { FLEET_SCALER_PREDICTIVE: value })).toBe(on);
  });
  it('names the variable, the rule and the value', () => {
    expect(() => predictiveFromEnv({ FLEET_SCALER_PREDICTIVE: 'yes' })).toThrow('FLEET_SCALER_PREDICTIVE must be "true" or "false", got "yes"');
  });
});
