ALTER TABLE "article_search" ADD COLUMN "pending" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX "article_search_pending_tsv_idx" ON "article_search" USING gin ("tsv") WHERE "article_search"."pending";--> statement-breakpoint
CREATE INDEX "article_search_pending_idx" ON "article_search" USING btree ("article_id") WHERE "article_search"."pending";