/** The wire shapes the dashboard reads (SPEC §4.9, §4.10, §5); the OpenAPI document has them in full. */

export interface CampaignStats {
  created: number;
  pending: number;
  'in-progress': number;
  retry: number;
  completed: number;
  failed: number;
  canceled: number;
  suppressed: number;
  busy: number;
  no_answer: number;
}

export interface Campaign {
  id: string;
  name: string;
  status: string;
  caller_id: string;
  date_created: string;
  date_started: string | null;
  date_ended: string | null;
  schedule: { send_at: string | null; end_at: string | null };
  stats: CampaignStats;
}

export interface CallRecord {
  call_sid: string;
  number: string;
  name: string | null;
  status: string;
  attempt_number: number;
  reason: string | null;
  date_created: string;
  duration: number;
}

export interface ContactList {
  sid: string;
  name: string;
  type: 'static' | 'dynamic' | null;
  columns: string[];
  contact_count: number;
  date_created: string;
}

export interface CsvUpload {
  upload_id: string;
  list_sid: string;
  status: 'processing' | 'completed' | 'failed';
  total_records: number;
  success_count: number;
  duplicate_count: number;
  failure_count: number;
  progress: number;
  failures: Array<{ row: number; number: string; reason: string }>;
  error: string | null;
}

/** Numbers with a final status (or never to be dialled) out of all: the progress bar's fraction. */
export function progressOf(s: CampaignStats): number {
  const done = s.completed + s.failed + s.canceled + s.suppressed;
  return s.created === 0 ? 0 : done / s.created;
}
