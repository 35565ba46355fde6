DROP INDEX `articles_deleted_idx`;--> statement-breakpoint
CREATE INDEX `articles_status_updated_idx` ON `articles` (`status`,`updated_at`,`id`);--> statement-breakpoint
CREATE INDEX `articles_status_created_idx` ON `articles` (`status`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `articles_status_title_idx` ON `articles` (`status`,`title`,`id`);--> statement-breakpoint
CREATE INDEX `articles_trash_idx` ON `articles` (`deleted_at`) WHERE "articles"."deleted_at" IS NOT NULL;