--
-- PostgreSQL database dump
--


-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

--
-- Name: userapi_daily_stats daily_stats_unique; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.userapi_daily_stats
    ADD CONSTRAINT daily_stats_unique UNIQUE ("timestamp", server_name);


--
-- Name: db_migrations db_migrations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.db_migrations
    ADD CONSTRAINT db_migrations_pkey PRIMARY KEY (version);


--
-- Name: federationsender_assumed_offline federationsender_assumed_offline_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.federationsender_assumed_offline
    ADD CONSTRAINT federationsender_assumed_offline_pkey PRIMARY KEY (server_name);


--
-- Name: federationsender_blacklist federationsender_blacklist_server_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.federationsender_blacklist
    ADD CONSTRAINT federationsender_blacklist_server_name_key UNIQUE (server_name);


--
-- Name: federationsender_inbound_peeks federationsender_inbound_peeks_room_id_server_name_peek_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.federationsender_inbound_peeks
    ADD CONSTRAINT federationsender_inbound_peeks_room_id_server_name_peek_id_key UNIQUE (room_id, server_name, peek_id);


--
-- Name: federationsender_notary_server_keys_json federationsender_notary_server_keys_json_pkey1; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.federationsender_notary_server_keys_json
    ADD CONSTRAINT federationsender_notary_server_keys_json_pkey1 PRIMARY KEY (notary_id);


--
-- Name: federationsender_notary_server_keys_metadata federationsender_notary_server_keys_meta_server_name_key_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.federationsender_notary_server_keys_metadata
    ADD CONSTRAINT federationsender_notary_server_keys_meta_server_name_key_id_key UNIQUE (server_name, key_id);


--
-- Name: federationsender_outbound_peeks federationsender_outbound_peeks_room_id_server_name_peek_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.federationsender_outbound_peeks
    ADD CONSTRAINT federationsender_outbound_peeks_room_id_server_name_peek_id_key UNIQUE (room_id, server_name, peek_id);


--
-- Name: federationsender_relay_servers federationsender_relay_server_server_name_relay_server_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.federationsender_relay_servers
    ADD CONSTRAINT federationsender_relay_server_server_name_relay_server_name_key UNIQUE (server_name, relay_server_name);


--
-- Name: keydb_server_keys keydb_server_keys_unique; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.keydb_server_keys
    ADD CONSTRAINT keydb_server_keys_unique UNIQUE (server_name, server_key_id);


--
-- Name: keyserver_cross_signing_keys keyserver_cross_signing_keys_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.keyserver_cross_signing_keys
    ADD CONSTRAINT keyserver_cross_signing_keys_pkey PRIMARY KEY (user_id, key_type);


--
-- Name: keyserver_cross_signing_sigs keyserver_cross_signing_sigs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.keyserver_cross_signing_sigs
    ADD CONSTRAINT keyserver_cross_signing_sigs_pkey PRIMARY KEY (origin_user_id, origin_key_id, target_user_id, target_key_id);


--
-- Name: keyserver_device_keys keyserver_device_keys_unique; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.keyserver_device_keys
    ADD CONSTRAINT keyserver_device_keys_unique UNIQUE (user_id, device_id);


--
-- Name: keyserver_key_changes keyserver_key_changes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.keyserver_key_changes
    ADD CONSTRAINT keyserver_key_changes_pkey PRIMARY KEY (change_id);


--
-- Name: keyserver_key_changes keyserver_key_changes_unique_per_user; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.keyserver_key_changes
    ADD CONSTRAINT keyserver_key_changes_unique_per_user UNIQUE (user_id);


--
-- Name: keyserver_one_time_keys keyserver_one_time_keys_unique; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.keyserver_one_time_keys
    ADD CONSTRAINT keyserver_one_time_keys_unique UNIQUE (user_id, device_id, key_id, algorithm);


--
-- Name: keyserver_stale_device_lists keyserver_stale_device_lists_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.keyserver_stale_device_lists
    ADD CONSTRAINT keyserver_stale_device_lists_pkey PRIMARY KEY (user_id);


--
-- Name: syncapi_presence presence_presences_unique; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.syncapi_presence
    ADD CONSTRAINT presence_presences_unique UNIQUE (user_id);


--
-- Name: roomserver_events roomserver_event_id_unique; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.roomserver_events
    ADD CONSTRAINT roomserver_event_id_unique UNIQUE (event_id);


--
-- Name: roomserver_event_json roomserver_event_json_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.roomserver_event_json
    ADD CONSTRAINT roomserver_event_json_pkey PRIMARY KEY (event_nid);


--
-- Name: roomserver_event_state_keys roomserver_event_state_key_unique; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.roomserver_event_state_keys
    ADD CONSTRAINT roomserver_event_state_key_unique UNIQUE (event_state_key);


--
-- Name: roomserver_event_state_keys roomserver_event_state_keys_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.roomserver_event_state_keys
    ADD CONSTRAINT roomserver_event_state_keys_pkey PRIMARY KEY (event_state_key_nid);


--
-- Name: roomserver_event_types roomserver_event_type_unique; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.roomserver_event_types
    ADD CONSTRAINT roomserver_event_type_unique UNIQUE (event_type);


--
-- Name: roomserver_event_types roomserver_event_types_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.roomserver_event_types
    ADD CONSTRAINT roomserver_event_types_pkey PRIMARY KEY (event_type_nid);


--
-- Name: roomserver_events roomserver_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.roomserver_events
    ADD CONSTRAINT roomserver_events_pkey PRIMARY KEY (event_nid);


--
-- Name: roomserver_invites roomserver_invites_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.roomserver_invites
    ADD CONSTRAINT roomserver_invites_pkey PRIMARY KEY (invite_event_id);


--
-- Name: roomserver_membership roomserver_membership_room_nid_target_nid_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.roomserver_membership
    ADD CONSTRAINT roomserver_membership_room_nid_target_nid_key UNIQUE (room_nid, target_nid);


--
-- Name: roomserver_previous_events roomserver_previous_event_id_unique; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.roomserver_previous_events
    ADD CONSTRAINT roomserver_previous_event_id_unique UNIQUE (previous_event_id);


--
-- Name: roomserver_published roomserver_published_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.roomserver_published
    ADD CONSTRAINT roomserver_published_pkey PRIMARY KEY (room_id, appservice_id, network_id);


--
-- Name: roomserver_redactions roomserver_redactions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.roomserver_redactions
    ADD CONSTRAINT roomserver_redactions_pkey PRIMARY KEY (redaction_event_id);


--
-- Name: roomserver_reported_events roomserver_reported_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.roomserver_reported_events
    ADD CONSTRAINT roomserver_reported_events_pkey PRIMARY KEY (id);


--
-- Name: roomserver_room_aliases roomserver_room_aliases_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.roomserver_room_aliases
    ADD CONSTRAINT roomserver_room_aliases_pkey PRIMARY KEY (alias);


--
-- Name: roomserver_rooms roomserver_room_id_unique; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.roomserver_rooms
    ADD CONSTRAINT roomserver_room_id_unique UNIQUE (room_id);


--
-- Name: roomserver_rooms roomserver_rooms_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.roomserver_rooms
    ADD CONSTRAINT roomserver_rooms_pkey PRIMARY KEY (room_nid);


--
-- Name: roomserver_state_block roomserver_state_block_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.roomserver_state_block
    ADD CONSTRAINT roomserver_state_block_pkey PRIMARY KEY (state_block_nid);


--
-- Name: roomserver_state_block roomserver_state_block_state_block_hash_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.roomserver_state_block
    ADD CONSTRAINT roomserver_state_block_state_block_hash_key UNIQUE (state_block_hash);


--
-- Name: roomserver_state_snapshots roomserver_state_snapshots_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.roomserver_state_snapshots
    ADD CONSTRAINT roomserver_state_snapshots_pkey PRIMARY KEY (state_snapshot_nid);


--
-- Name: roomserver_state_snapshots roomserver_state_snapshots_state_snapshot_hash_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.roomserver_state_snapshots
    ADD CONSTRAINT roomserver_state_snapshots_state_snapshot_hash_key UNIQUE (state_snapshot_hash);


--
-- Name: roomserver_user_room_keys roomserver_user_room_keys_pk; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.roomserver_user_room_keys
    ADD CONSTRAINT roomserver_user_room_keys_pk PRIMARY KEY (user_nid, room_nid);


--
-- Name: syncapi_account_data_type syncapi_account_data_type_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.syncapi_account_data_type
    ADD CONSTRAINT syncapi_account_data_type_pkey PRIMARY KEY (id);


--
-- Name: syncapi_account_data_type syncapi_account_data_unique; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.syncapi_account_data_type
    ADD CONSTRAINT syncapi_account_data_unique UNIQUE (user_id, room_id, type);


--
-- Name: syncapi_backward_extremities syncapi_backward_extremities_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.syncapi_backward_extremities
    ADD CONSTRAINT syncapi_backward_extremities_pkey PRIMARY KEY (room_id, event_id, prev_event_id);


--
-- Name: syncapi_filter syncapi_filter_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.syncapi_filter
    ADD CONSTRAINT syncapi_filter_id_key UNIQUE (id);


--
-- Name: syncapi_filter syncapi_filter_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.syncapi_filter
    ADD CONSTRAINT syncapi_filter_pkey PRIMARY KEY (id, localpart);


--
-- Name: syncapi_ignores syncapi_ignores_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.syncapi_ignores
    ADD CONSTRAINT syncapi_ignores_pkey PRIMARY KEY (user_id);


--
-- Name: syncapi_invite_events syncapi_invite_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.syncapi_invite_events
    ADD CONSTRAINT syncapi_invite_events_pkey PRIMARY KEY (id);


--
-- Name: syncapi_memberships syncapi_memberships_unique; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.syncapi_memberships
    ADD CONSTRAINT syncapi_memberships_unique UNIQUE (room_id, user_id, membership);


--
-- Name: syncapi_notification_data syncapi_notification_data_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.syncapi_notification_data
    ADD CONSTRAINT syncapi_notification_data_pkey PRIMARY KEY (id);


--
-- Name: syncapi_notification_data syncapi_notification_data_unique; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.syncapi_notification_data
    ADD CONSTRAINT syncapi_notification_data_unique UNIQUE (user_id, room_id);


--
-- Name: syncapi_output_room_events syncapi_output_room_event_id_idx; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.syncapi_output_room_events
    ADD CONSTRAINT syncapi_output_room_event_id_idx UNIQUE (event_id);


--
-- Name: syncapi_output_room_events syncapi_output_room_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.syncapi_output_room_events
    ADD CONSTRAINT syncapi_output_room_events_pkey PRIMARY KEY (id);


--
-- Name: syncapi_output_room_events_topology syncapi_output_room_events_topology_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.syncapi_output_room_events_topology
    ADD CONSTRAINT syncapi_output_room_events_topology_pkey PRIMARY KEY (event_id);


--
-- Name: syncapi_peeks syncapi_peeks_room_id_user_id_device_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.syncapi_peeks
    ADD CONSTRAINT syncapi_peeks_room_id_user_id_device_id_key UNIQUE (room_id, user_id, device_id);


--
-- Name: syncapi_presence syncapi_presence_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.syncapi_presence
    ADD CONSTRAINT syncapi_presence_pkey PRIMARY KEY (id);


--
-- Name: syncapi_receipts syncapi_receipts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.syncapi_receipts
    ADD CONSTRAINT syncapi_receipts_pkey PRIMARY KEY (id);


--
-- Name: syncapi_receipts syncapi_receipts_unique; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.syncapi_receipts
    ADD CONSTRAINT syncapi_receipts_unique UNIQUE (room_id, receipt_type, user_id);


--
-- Name: syncapi_relations syncapi_relations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.syncapi_relations
    ADD CONSTRAINT syncapi_relations_pkey PRIMARY KEY (id);


--
-- Name: syncapi_relations syncapi_relations_unique; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.syncapi_relations
    ADD CONSTRAINT syncapi_relations_unique UNIQUE (room_id, event_id, child_event_id, rel_type);


--
-- Name: syncapi_current_room_state syncapi_room_state_unique; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.syncapi_current_room_state
    ADD CONSTRAINT syncapi_room_state_unique UNIQUE (room_id, type, state_key);


--
-- Name: syncapi_send_to_device syncapi_send_to_device_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.syncapi_send_to_device
    ADD CONSTRAINT syncapi_send_to_device_pkey PRIMARY KEY (id);


--
-- Name: userapi_devices userapi_devices_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.userapi_devices
    ADD CONSTRAINT userapi_devices_pkey PRIMARY KEY (access_token);


--
-- Name: userapi_login_tokens userapi_login_tokens_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.userapi_login_tokens
    ADD CONSTRAINT userapi_login_tokens_pkey PRIMARY KEY (token);


--
-- Name: userapi_notifications userapi_notifications_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.userapi_notifications
    ADD CONSTRAINT userapi_notifications_pkey PRIMARY KEY (id);


--
-- Name: userapi_openid_tokens userapi_openid_tokens_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.userapi_openid_tokens
    ADD CONSTRAINT userapi_openid_tokens_pkey PRIMARY KEY (token);


--
-- Name: userapi_pushers userapi_pushers_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.userapi_pushers
    ADD CONSTRAINT userapi_pushers_pkey PRIMARY KEY (id);


--
-- Name: userapi_registration_tokens userapi_registration_tokens_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.userapi_registration_tokens
    ADD CONSTRAINT userapi_registration_tokens_pkey PRIMARY KEY (token);


--
-- Name: userapi_threepids userapi_threepids_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.userapi_threepids
    ADD CONSTRAINT userapi_threepids_pkey PRIMARY KEY (threepid, medium);


--
-- Name: federationsender_queue_edus_json_nid_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX federationsender_queue_edus_json_nid_idx ON public.federationsender_queue_edus USING btree (json_nid, server_name);


--
-- Name: federationsender_queue_edus_nid_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX federationsender_queue_edus_nid_idx ON public.federationsender_queue_edus USING btree (json_nid);


--
-- Name: federationsender_queue_edus_server_name_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX federationsender_queue_edus_server_name_idx ON public.federationsender_queue_edus USING btree (server_name);


--
-- Name: federationsender_queue_json_json_nid_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX federationsender_queue_json_json_nid_idx ON public.federationsender_queue_json USING btree (json_nid);


--
-- Name: federationsender_queue_pdus_json_nid_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX federationsender_queue_pdus_json_nid_idx ON public.federationsender_queue_pdus USING btree (json_nid);


--
-- Name: federationsender_queue_pdus_pdus_json_nid_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX federationsender_queue_pdus_pdus_json_nid_idx ON public.federationsender_queue_pdus USING btree (json_nid, server_name);


--
-- Name: federationsender_queue_pdus_server_name_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX federationsender_queue_pdus_server_name_idx ON public.federationsender_queue_pdus USING btree (server_name);


--
-- Name: federationsender_relay_servers_server_name_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX federationsender_relay_servers_server_name_idx ON public.federationsender_relay_servers USING btree (server_name);


--
-- Name: federatonsender_joined_hosts_event_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX federatonsender_joined_hosts_event_id_idx ON public.federationsender_joined_hosts USING btree (event_id);


--
-- Name: federatonsender_joined_hosts_room_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX federatonsender_joined_hosts_room_id_idx ON public.federationsender_joined_hosts USING btree (room_id);


--
-- Name: keydb_server_name_and_key_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX keydb_server_name_and_key_id ON public.keydb_server_keys USING btree (server_name_and_key_id);


--
-- Name: keyserver_cross_signing_sigs_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX keyserver_cross_signing_sigs_idx ON public.keyserver_cross_signing_sigs USING btree (origin_user_id, target_user_id, target_key_id);


--
-- Name: keyserver_one_time_keys_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX keyserver_one_time_keys_idx ON public.keyserver_one_time_keys USING btree (user_id, device_id);


--
-- Name: keyserver_stale_device_lists_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX keyserver_stale_device_lists_idx ON public.keyserver_stale_device_lists USING btree (domain, is_stale);


--
-- Name: mediaapi_media_repository_index; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX mediaapi_media_repository_index ON public.mediaapi_media_repository USING btree (media_id, media_origin);


--
-- Name: mediaapi_thumbnail_index; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX mediaapi_thumbnail_index ON public.mediaapi_thumbnail USING btree (media_id, media_origin, width, height, resize_method);


--
-- Name: roomserver_event_event_type_nid_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX roomserver_event_event_type_nid_idx ON public.roomserver_events USING btree (event_type_nid);


--
-- Name: roomserver_event_state_key_nid_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX roomserver_event_state_key_nid_idx ON public.roomserver_events USING btree (event_state_key_nid);


--
-- Name: roomserver_events_memberships_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX roomserver_events_memberships_idx ON public.roomserver_events USING btree (room_nid, event_state_key_nid) WHERE (event_type_nid = 5);


--
-- Name: roomserver_invites_active_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX roomserver_invites_active_idx ON public.roomserver_invites USING btree (target_nid, room_nid) WHERE (NOT retired);


--
-- Name: roomserver_redactions_redacts_event_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX roomserver_redactions_redacts_event_id ON public.roomserver_redactions USING btree (redacts_event_id);


--
-- Name: roomserver_room_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX roomserver_room_id_idx ON public.roomserver_room_aliases USING btree (room_id);


--
-- Name: syncapi_account_data_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX syncapi_account_data_id_idx ON public.syncapi_account_data_type USING btree (id, type);


--
-- Name: syncapi_current_room_state_eventid_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX syncapi_current_room_state_eventid_idx ON public.syncapi_current_room_state USING btree (event_id);


--
-- Name: syncapi_current_room_state_type_state_key_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX syncapi_current_room_state_type_state_key_idx ON public.syncapi_current_room_state USING btree (type, state_key);


--
-- Name: syncapi_event_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX syncapi_event_id_idx ON public.syncapi_current_room_state USING btree (event_id, room_id, type, sender, contains_url);


--
-- Name: syncapi_event_topological_position_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX syncapi_event_topological_position_idx ON public.syncapi_output_room_events_topology USING btree (topological_position, stream_position, room_id);


--
-- Name: syncapi_filter_localpart; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX syncapi_filter_localpart ON public.syncapi_filter USING btree (localpart);


--
-- Name: syncapi_invites_event_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX syncapi_invites_event_id_idx ON public.syncapi_invite_events USING btree (event_id);


--
-- Name: syncapi_invites_target_user_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX syncapi_invites_target_user_id_idx ON public.syncapi_invite_events USING btree (target_user_id, id);


--
-- Name: syncapi_membership_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX syncapi_membership_idx ON public.syncapi_current_room_state USING btree (type, state_key, membership) WHERE ((membership IS NOT NULL) AND (membership <> 'leave'::text));


--
-- Name: syncapi_output_room_events_add_state_ids_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX syncapi_output_room_events_add_state_ids_idx ON public.syncapi_output_room_events USING btree (((add_state_ids IS NOT NULL)));


--
-- Name: syncapi_output_room_events_exclude_from_sync_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX syncapi_output_room_events_exclude_from_sync_idx ON public.syncapi_output_room_events USING btree (exclude_from_sync);


--
-- Name: syncapi_output_room_events_recent_events_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX syncapi_output_room_events_recent_events_idx ON public.syncapi_output_room_events USING btree (room_id, exclude_from_sync, id, sender, type);


--
-- Name: syncapi_output_room_events_remove_state_ids_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX syncapi_output_room_events_remove_state_ids_idx ON public.syncapi_output_room_events USING btree (((remove_state_ids IS NOT NULL)));


--
-- Name: syncapi_output_room_events_room_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX syncapi_output_room_events_room_id_idx ON public.syncapi_output_room_events USING btree (room_id);


--
-- Name: syncapi_output_room_events_sender_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX syncapi_output_room_events_sender_idx ON public.syncapi_output_room_events USING btree (sender);


--
-- Name: syncapi_output_room_events_type_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX syncapi_output_room_events_type_idx ON public.syncapi_output_room_events USING btree (type);


--
-- Name: syncapi_peeks_room_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX syncapi_peeks_room_id_idx ON public.syncapi_peeks USING btree (room_id);


--
-- Name: syncapi_peeks_user_id_device_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX syncapi_peeks_user_id_device_id_idx ON public.syncapi_peeks USING btree (user_id, device_id);


--
-- Name: syncapi_presence_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX syncapi_presence_user_id ON public.syncapi_presence USING btree (user_id);


--
-- Name: syncapi_receipts_room_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX syncapi_receipts_room_id ON public.syncapi_receipts USING btree (room_id);


--
-- Name: syncapi_send_to_device_user_id_device_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX syncapi_send_to_device_user_id_device_id_idx ON public.syncapi_send_to_device USING btree (user_id, device_id);


--
-- Name: userapi_account_datas_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX userapi_account_datas_idx ON public.userapi_account_datas USING btree (localpart, server_name, room_id, type);


--
-- Name: userapi_accounts_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX userapi_accounts_idx ON public.userapi_accounts USING btree (localpart, server_name);


--
-- Name: userapi_daily_visits_localpart_device_timestamp_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX userapi_daily_visits_localpart_device_timestamp_idx ON public.userapi_daily_visits USING btree (localpart, device_id, "timestamp");


--
-- Name: userapi_daily_visits_localpart_timestamp_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX userapi_daily_visits_localpart_timestamp_idx ON public.userapi_daily_visits USING btree (localpart, "timestamp");


--
-- Name: userapi_daily_visits_timestamp_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX userapi_daily_visits_timestamp_idx ON public.userapi_daily_visits USING btree ("timestamp");


--
-- Name: userapi_device_localpart_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX userapi_device_localpart_id_idx ON public.userapi_devices USING btree (localpart, server_name, device_id);


--
-- Name: userapi_key_backup_versions_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX userapi_key_backup_versions_idx ON public.userapi_key_backup_versions USING btree (user_id, version);


--
-- Name: userapi_key_backups_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX userapi_key_backups_idx ON public.userapi_key_backups USING btree (user_id, room_id, session_id, version);


--
-- Name: userapi_key_backups_versions_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX userapi_key_backups_versions_idx ON public.userapi_key_backups USING btree (user_id, version);


--
-- Name: userapi_login_tokens_expiration_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX userapi_login_tokens_expiration_idx ON public.userapi_login_tokens USING btree (token_expires_at);


--
-- Name: userapi_notification_localpart_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX userapi_notification_localpart_id_idx ON public.userapi_notifications USING btree (localpart, server_name, id);


--
-- Name: userapi_notification_localpart_room_id_event_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX userapi_notification_localpart_room_id_event_id_idx ON public.userapi_notifications USING btree (localpart, server_name, room_id, event_id);


--
-- Name: userapi_notification_localpart_room_id_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX userapi_notification_localpart_room_id_id_idx ON public.userapi_notifications USING btree (localpart, server_name, room_id, id);


--
-- Name: userapi_profiles_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX userapi_profiles_idx ON public.userapi_profiles USING btree (localpart, server_name);


--
-- Name: userapi_pusher_app_id_pushkey_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX userapi_pusher_app_id_pushkey_idx ON public.userapi_pushers USING btree (app_id, pushkey);


--
-- Name: userapi_pusher_app_id_pushkey_localpart_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX userapi_pusher_app_id_pushkey_localpart_idx ON public.userapi_pushers USING btree (app_id, pushkey, localpart, server_name);


--
-- Name: userapi_pusher_localpart_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX userapi_pusher_localpart_idx ON public.userapi_pushers USING btree (localpart, server_name);


--
-- Name: userapi_threepid_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX userapi_threepid_idx ON public.userapi_threepids USING btree (localpart, server_name);


--
-- PostgreSQL database dump complete
--


