/**
 * An input the merger cannot read: a missing or unreadable path, a directory, an empty file, text
 * that is not JSON, JSON cut short. Its message is one line that names the input and says where,
 * which the CLI prints as it is (no stack trace unless `--debug`).
 */
export class InputError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InputError';
  }
}
