CREATE INDEX "audit_log_target_idx" ON "audit_log" USING btree ("org_id","target","id");--> statement-breakpoint
CREATE INDEX "connections_org_reference_idx" ON "connections" USING btree ("org_id","environment","client_reference_id" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "connections_org_username_idx" ON "connections" USING btree ("org_id","environment",lower("user_data" ->> 'username') text_pattern_ops);--> statement-breakpoint
CREATE INDEX "link_sessions_org_recent_idx" ON "link_sessions" USING btree ("org_id","environment","created_at");