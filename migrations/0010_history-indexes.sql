DROP INDEX `jobs_consignment`;--> statement-breakpoint
CREATE INDEX `jobs_reference` ON `jobs` (`reference`,`network`);--> statement-breakpoint
DROP INDEX `upn_imports_status`;--> statement-breakpoint
CREATE INDEX `upn_imports_body` ON `upn_imports` (`status`,`updated_at`) WHERE body IS NOT NULL;--> statement-breakpoint
CREATE INDEX `upn_imports_created` ON `upn_imports` (`created_at`);--> statement-breakpoint
CREATE INDEX `upn_imports_status` ON `upn_imports` (`status`,`updated_at`);--> statement-breakpoint
DROP INDEX `upn_tracking_batches_status`;--> statement-breakpoint
CREATE INDEX `upn_tracking_batches_status` ON `upn_tracking_batches` (`status`,`received_at`);--> statement-breakpoint
CREATE INDEX `consignments_reference` ON `consignments` (`reference`);--> statement-breakpoint
CREATE INDEX `consignments_customer_reference` ON `consignments` (`customer_reference`);--> statement-breakpoint
CREATE INDEX `consignments_order_name` ON `consignments` (`order_name`);--> statement-breakpoint
CREATE INDEX `documents_stored` ON `documents` (`status`,`updated_at`) WHERE r2_key IS NOT NULL;--> statement-breakpoint
CREATE INDEX `inbound_webhooks_received` ON `inbound_webhooks` (`received_at`);--> statement-breakpoint
CREATE INDEX `timeline_at` ON `timeline` (`at`);--> statement-breakpoint
CREATE INDEX `alert_outbox_updated` ON `alert_outbox` (`status`,`updated_at`);--> statement-breakpoint
CREATE INDEX `hazchem_feed_documents_status` ON `hazchem_feed_documents` (`status`,`updated_at`);--> statement-breakpoint
CREATE INDEX `palletways_booking_notes_recorded` ON `palletways_booking_notes` (`recorded_at`);--> statement-breakpoint
CREATE INDEX `palletways_fetches_at` ON `palletways_fetches` (`fetched_at`);--> statement-breakpoint
CREATE INDEX `palletways_import_notes_done` ON `palletways_import_notes` (`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `palletways_imports_ours` ON `palletways_imports` (`created_at`) WHERE status <> 'not_ours';--> statement-breakpoint
CREATE INDEX `palletways_windows_status` ON `palletways_windows` (`status`,`closes_at`);--> statement-breakpoint
CREATE INDEX `upn_events_batch` ON `upn_events` (`batch_id`,`status`);--> statement-breakpoint
CREATE INDEX `upn_events_applied` ON `upn_events` (`status`,`applied_at`);--> statement-breakpoint
CREATE INDEX `upn_events_barcode` ON `upn_events` (`barcode`,`status`);