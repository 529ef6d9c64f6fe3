import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../../tools/errors.ts';
import { parseUsersFile } from '../../tools/broker/index.ts';

test('a good users file: comments, blank lines, CRLF, colons and # inside passwords', () => {
  const text = ['# lab accounts', '', 'alice:wonderland', '  bob : s3cret:with:colons  ', 'carol:pa#ss', '   # indented comment', ''].join('\r\n');
  assert.deepEqual(parseUsersFile(text), [
    { username: 'alice', password: 'wonderland' },
    { username: 'bob', password: 's3cret:with:colons' },
    { username: 'carol', password: 'pa#ss' },
  ]);
});

test('an empty file is an empty list', () => {
  assert.deepEqual(parseUsersFile('# nobody yet\n'), []);
});

test('bad lines are reported by number, all of them, with the file name', () => {
  const text = ['alice:ok', 'no-colon-here', ':nopass-user', 'dave:', 'alice:again'].join('\n');
  assert.throws(
    () => parseUsersFile(text, 'users.txt'),
    (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.equal(error.message, 'users.txt: bad users file: line 2: expected "username:password" (and 3 more)');
      assert.deepEqual(
        error.issues.map((i) => `${i.file} ${i.path}: ${i.message}`),
        [
          'users.txt line 2: expected "username:password"',
          'users.txt line 3: empty username before ":"',
          "users.txt line 4: empty password for user 'dave'",
          "users.txt line 5: user 'alice' is already defined on line 1",
        ],
      );
      return true;
    },
  );
});
