import { readFileSync } from 'fs';
import { join } from 'path';
import { contactProblem, loadDirectory } from './directory';
import { formatProblem } from '../plan/parse-plan';

const exampleText = readFileSync(join(__dirname, '..', '..', 'plans', 'teams.example.yaml'), 'utf8');

/** The problems of the example directory with one piece of text replaced. */
function problemsWith(a: string, b: string): string[] {
  expect(exampleText).toContain(a);
  const res = loadDirectory(exampleText.replace(a, b), { file: 't.yaml' });
  return res.ok ? [] : res.problems.map(formatProblem);
}

describe('contacts in the team directory', () => {
  it('accepts the example directory, Chinese mobiles and E.164 numbers', () => {
    expect(loadDirectory(exampleText).ok).toBe(true);
    expect(contactProblem('phone', '13800138000')).toBeUndefined();
    expect(contactProblem('sms', '+86 138 0013 8000')).toBeUndefined();
    expect(contactProblem('phone', '+44 20 7946 0958')).toBeUndefined();
    expect(contactProblem('email', 'li.na@example.com')).toBeUndefined();
  });

  it('names the person, the field and the value of a malformed email address', () => {
    expect(problemsWith('email: li.na@example.com', 'email: "li.na@example..com"')).toEqual(['t.yaml:11:56 people.li-na.contacts.email: "li.na@example..com" is not an email address']);
    expect(problemsWith('email: li.na@example.com', 'email: li.na@example')).toEqual(['t.yaml:11:56 people.li-na.contacts.email: "li.na@example" is not an email address']);
  });

  it('names the person, the field and the value of a phone number that is neither CN nor E.164', () => {
    // Right shape, wrong length: a Beijing number is 8 digits after the area code.
    expect(problemsWith('phone: "+86 10 5555 0102"', 'phone: "+86 10 5555 010"')).toEqual([
      't.yaml:11:82 people.li-na.contacts.phone: "+86 10 5555 010" is not a valid phone number: write a Chinese number (13800138000, +86 10 5555 0100) or an E.164 number with its country code (+44 20 7946 0958)',
    ]);
    // A mobile with a digit missing, and a country code that does not exist.
    expect(contactProblem('phone', '1380013800')).toMatch(/is not a valid phone number/);
    expect(contactProblem('phone', '+999 1234 5678')).toMatch(/is not a valid phone number/);
  });

  it('refuses a landline as an SMS contact: the message would never arrive', () => {
    expect(problemsWith('phone: "+86 10 5555 0102"', 'sms: "+86 10 5555 0102"')).toEqual([
      't.yaml:11:80 people.li-na.contacts.sms: "+86 10 5555 0102" is not a mobile number, so it cannot receive text messages',
    ]);
  });

  it('checks team contacts the same way', () => {
    expect(problemsWith('phone: "+86 10 5555 0199"', 'phone: "+86 10 5555"')).toEqual([
      expect.stringMatching(/^t\.yaml:\d+:\d+ teams\.security\.contacts\.phone: "\+86 10 5555" is not a valid phone number/),
    ]);
  });
});
