import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Search attributes every Steward job carries, so operators can filter jobs in the Temporal UI. */
export const RECORD_ID = defineSearchAttributeKey('StewardRecordId', SearchAttributeType.KEYWORD);
export const TASK_ID = defineSearchAttributeKey('StewardTaskId', SearchAttributeType.KEYWORD);
export const SYSTEM_ID = defineSearchAttributeKey('StewardSystemId', SearchAttributeType.KEYWORD);
export const NODE_NAME = defineSearchAttributeKey('StewardNodeName', SearchAttributeType.KEYWORD);
export const JOB_TYPE = defineSearchAttributeKey('StewardJobType', SearchAttributeType.KEYWORD);
export const JOB_STATE = defineSearchAttributeKey('StewardJobState', SearchAttributeType.KEYWORD);

export const STEWARD_SEARCH_ATTRIBUTES = [RECORD_ID, TASK_ID, SYSTEM_ID, NODE_NAME, JOB_TYPE, JOB_STATE] as const;

export const STEWARD_SEARCH_ATTRIBUTE_NAMES: readonly string[] = STEWARD_SEARCH_ATTRIBUTES.map((key) => key.name);
