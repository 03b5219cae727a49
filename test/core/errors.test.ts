import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataError, errorDetail, errorMessage, errorStack } from '../../src/core/errors';

describe('error text', () => {
  it("is an Error's message, or any other thrown value as a string", () => {
    assert.equal(errorMessage(new Error('disk full')), 'disk full');
    assert.equal(errorMessage('plain'), 'plain');
    assert.equal(errorMessage(42), '42');
  });

  it('gives the stack for a log, where there is one', () => {
    const error = new Error('boom');
    assert.equal(errorStack(error), error.stack);
    error.stack = undefined;
    assert.equal(errorStack(error), 'boom');
    assert.equal(errorStack(undefined), 'undefined');
  });

  it('leaves out the path a DataError starts with', () => {
    assert.equal(errorDetail(new DataError('/d/a.png', 'corrupt PNG')), 'corrupt PNG');
    assert.equal(errorDetail(new Error('other')), 'other');
  });
});
