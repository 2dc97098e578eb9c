ALTER TABLE `documents` ADD `file_sha256` text;--> statement-breakpoint
CREATE INDEX `documents_file_sha` ON `documents` (`file_sha256`);--> statement-breakpoint
ALTER TABLE `jobs` ADD `waiting_since` integer;