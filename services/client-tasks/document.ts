import Ajv from 'ajv';
import { describeSchemaErrors } from './settings';
import { BadInputError } from '../shared/errors';

/** The versioned JSON document that carries client task objects from one server to another. */
export const CLIENT_TASK_DOCUMENT_FORMAT = 'steward.client-tasks';
export const CLIENT_TASK_DOCUMENT_VERSION = 1;
/** The most client tasks one document carries. */
export const MAX_DOCUMENT_TASKS = 1000;
export const MAX_CLIENT_TASK_NAME_LENGTH = 128;

export interface ExportedClientTask {
  name: string;
  /** The product as checked in on the exporting server. */
  product: { name: string; version: string };
  taskType: string;
  settings: Record<string, unknown>;
  enabled: boolean;
}

export interface ClientTaskDocument {
  format: typeof CLIENT_TASK_DOCUMENT_FORMAT;
  formatVersion: typeof CLIENT_TASK_DOCUMENT_VERSION;
  /** ISO 8601. */
  exportedAt: string;
  /** The exporting server's name, from servers that have one. */
  sourceServer?: string;
  /** The exporting server's signature over the rest (services/federation/document-signature.ts). */
  signature?: string;
  clientTasks: ExportedClientTask[];
}

const TEXT = { type: 'string', minLength: 1, maxLength: MAX_CLIENT_TASK_NAME_LENGTH, pattern: '\\S' };

/** Version 1; read only after `format` and `formatVersion` have been recognized. */
const DOCUMENT_SCHEMA = {
  type: 'object',
  required: ['format', 'formatVersion', 'exportedAt', 'clientTasks'],
  additionalProperties: false,
  properties: {
    format: { const: CLIENT_TASK_DOCUMENT_FORMAT },
    formatVersion: { const: CLIENT_TASK_DOCUMENT_VERSION },
    exportedAt: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$' },
    sourceServer: { type: 'string', minLength: 1, maxLength: 253 },
    signature: { type: 'string', minLength: 1, maxLength: 16384 },
    clientTasks: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_DOCUMENT_TASKS,
      items: {
        type: 'object',
        required: ['name', 'product', 'taskType', 'settings', 'enabled'],
        additionalProperties: false,
        properties: {
          name: TEXT,
          product: {
            type: 'object',
            required: ['name', 'version'],
            additionalProperties: false,
            properties: { name: TEXT, version: { type: 'string', minLength: 1, maxLength: 32 } },
          },
          taskType: TEXT,
          settings: { type: 'object' },
          enabled: { type: 'boolean' },
        },
      },
    },
  },
};

const validateDocument = new Ajv({ strict: true, allErrors: true }).compile<ClientTaskDocument>(DOCUMENT_SCHEMA);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Recognizes the format and its version first, so a document of another format or version gets that answer, not a list of shape errors. */
export function readClientTaskDocument(value: unknown): ClientTaskDocument {
  if (!isObject(value) || value.format !== CLIENT_TASK_DOCUMENT_FORMAT) {
    throw new BadInputError(`This is not a client task document: "format" must be "${CLIENT_TASK_DOCUMENT_FORMAT}"`, 'document');
  }
  if (value.formatVersion !== CLIENT_TASK_DOCUMENT_VERSION) {
    const version = JSON.stringify(value.formatVersion ?? null).slice(0, 40);
    throw new BadInputError(`Format version ${version} of ${CLIENT_TASK_DOCUMENT_FORMAT} is not supported; this server reads version ${CLIENT_TASK_DOCUMENT_VERSION}`, 'document');
  }
  if (!validateDocument(value)) throw new BadInputError(`The document is malformed: ${describeSchemaErrors(validateDocument.errors)}`, 'document');
  return value;
}
