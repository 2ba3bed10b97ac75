import FederationBridge
import Foundation
import HummingbirdTesting
import PIAChecks
import Testing

/// What the pages say, checked against the entries the fixture wrote.
@Suite struct ReviewPagesTests {
    static func encoded(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value
    }

    @Test func overviewShowsVolumesChartsAndAGreenBanner() async throws {
        let fixture = try await ReviewFixture.make()
        defer { fixture.remove() }
        let report = try await fixture.log.verify()
        let page = try await fixture.withServer { client in try await client.get("/review") }
        #expect(page.status == .ok)
        #expect(page.headers[.contentType] == "text/html; charset=utf-8")
        let html = page.text
        let refusals = fixture.entries.count { $0.decision == .refused }
        #expect(refusals == 10)
        #expect(html.contains("<b>40</b>entries"))
        #expect(html.contains(#"<b class="transfer">30</b>transfers"#))
        #expect(html.contains(#"<b class="refused">10</b>refusals"#))
        #expect(html.contains(#"class="banner ok""#))
        #expect(
            html.contains(
                "Log verified up to checkpoint 40 at 2026-11-27 08:03:00 HKT (2026-11-27 00:03:00 UTC), root \(report.rootHash.map { String(format: "%02x", $0) }.joined())"
            ))
        // Four inline charts, with the numbers in their titles.
        #expect(html.components(separatedBy: "<svg").count - 1 == 4)
        #expect(html.contains("\(ReviewFixture.guangzhou): 10 transferred, 4 refused"))
        #expect(html.contains("consent.separate: 0 transferred, 5 refused"))
        #expect(html.contains("age-eligibility: 0 transferred, 5 refused"))
        #expect(html.contains("\(ReviewFixture.tax): 6 transferred, 2 refused"))
        // Latest entries, newest first.
        #expect(html.contains(#"<a href="/review/entries/39">39</a>"#))
        #expect(!html.contains(#"<a href="/review/entries/29">29</a>"#))
    }

    @Test func emptyLogSaysSoWithoutError() async throws {
        let fixture = try await ReviewFixture.make(entries: [])
        defer { fixture.remove() }
        let page = try await fixture.withServer { client in try await client.get("/review") }
        #expect(page.status == .ok)
        #expect(page.text.contains("The transfer log is empty"))
        #expect(page.text.contains("no entries"))
    }

    @Test func searchFiltersAndPaginates() async throws {
        let fixture = try await ReviewFixture.make(entries: ReviewFixture.standardEntries(count: 120))
        defer { fixture.remove() }
        let entries = fixture.entries
        try await fixture.withServer { client in
            // No filter: 120 entries, 50 a page, three pages.
            let first = try await client.get("/review/entries")
            #expect(first.text.contains("<b>120</b> entries match (no filter). Page 1 of 3"))
            #expect(first.text.contains(#"<a href="/review/entries/119">119</a>"#))
            #expect(!first.text.contains(#"<a href="/review/entries/69">69</a>"#))
            #expect(first.text.contains(#"rel="next" href="/review/entries?page=2""#))
            let third = try await client.get("/review/entries?page=3")
            #expect(third.text.contains("Page 3 of 3"))
            #expect(third.text.contains(#"<a href="/review/entries/0">0</a>"#))
            #expect(third.text.contains(#"rel="prev" href="/review/entries?page=2""#))

            // Each filter alone and combined, counted independently here.
            let cases: [(String, Int)] = [
                ("recipient=\(Self.encoded(ReviewFixture.shenzhen))", entries.count { $0.recipient == ReviewFixture.shenzhen }),
                ("purpose=\(ReviewFixture.tax)", entries.count { $0.purpose == ReviewFixture.tax }),
                ("decision=refused", entries.count { $0.decision == .refused }),
                ("check=age-eligibility", entries.count { $0.checks.contains { $0.id == "age-eligibility" && !$0.passed } }),
                ("check=volume", 0),
                ("from=2026-11-26&to=2026-11-26", entries.count { $0.time < ReviewFixture.base.addingTimeInterval(86_400) }),
                ("from=2026-11-27T12:00:00Z", entries.count { $0.time >= ReviewFixture.base.addingTimeInterval(86_400 + 43_200) }),
                (
                    "recipient=\(Self.encoded(ReviewFixture.guangzhou))&decision=refused&check=consent.separate",
                    entries.count {
                        $0.recipient == ReviewFixture.guangzhou && $0.checks.contains { $0.id == "consent.separate" && !$0.passed }
                    }
                ),
            ]
            for (query, expected) in cases {
                let page = try await client.get("/review/entries?\(query)")
                #expect(page.status == .ok, "\(query)")
                #expect(page.text.contains("<b>\(expected)</b> entries match"), "\(query) should match \(expected)")
            }
            // The form keeps the choice, and export links carry the filter.
            let refused = try await client.get("/review/entries?decision=refused")
            #expect(refused.text.contains(#"<option value="refused" selected>"#))
            #expect(refused.text.contains(#"href="/review/export.csv?decision=refused""#))
        }
    }

    @Test func hostileQueriesAreRefusedOrEscaped() async throws {
        let fixture = try await ReviewFixture.make(entries: ReviewFixture.standardEntries(count: 5))
        defer { fixture.remove() }
        try await fixture.withServer { client in
            for query in [
                "decision=maybe", "from=yesterday", "to=2026-13-45", "page=0", "page=-1", "page=99999999999",
                "from=2026-11-27&to=2026-11-26", "recipient=\(Self.encoded(String(repeating: "a", count: 600)))",
                "purpose=%01%02",
            ] {
                let page = try await client.get("/review/entries?\(query)")
                #expect(page.status == .badRequest, "\(query)")
                #expect(page.text.contains("parameter"), "\(query) names the parameter")
            }
            let script = "<script>alert(1)</script>"
            let page = try await client.get("/review/entries?recipient=\(Self.encoded(script))&check=\(Self.encoded("\"><img src=x>"))")
            #expect(page.status == .ok)
            #expect(page.text.contains("<b>0</b> entries match"))
            #expect(!page.text.contains(script))
            #expect(!page.text.contains("<img src=x>"))
            #expect(page.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            for path in ["/review/entries/5", "/review/entries/99999", "/review/entries/5/proof"] {
                #expect(try await client.get(path).status == .notFound, "\(path)")
            }
            for path in ["/review/entries/-1", "/review/entries/abc", "/review/entries/1e3", "/review/entries/99999999999999999999"] {
                #expect(try await client.get(path).status == .badRequest, "\(path)")
            }
            #expect(try await client.get("/review/summary?purpose=unknown-purpose").status == .notFound)
        }
    }

    @Test func hostileLogContentIsEscapedInPagesAndDefusedInCSV() async throws {
        let evil = #"=HYPERLINK("http://x")<script>alert(1)</script>"#
        let entries = [ReviewFixture.entry(index: 0, recipient: evil, purpose: "<b>p</b>", failed: ["volume": "<img src=x onerror=alert(1)>"])]
        let fixture = try await ReviewFixture.make(entries: entries)
        defer { fixture.remove() }
        try await fixture.withServer { client in
            for path in ["/review", "/review/entries", "/review/entries/0", "/review/summary?purpose=\(Self.encoded("<b>p</b>"))"] {
                let page = try await client.get(path)
                #expect(page.status == .ok, "\(path)")
                #expect(!page.text.contains("<script>alert"), "\(path)")
                #expect(!page.text.contains("<img src=x"), "\(path)")
                #expect(!page.text.contains("<b>p</b>"), "\(path)")
            }
            let csv = try await client.get("/review/export.csv").text
            let row = try #require(csv.split(separator: "\r\n").dropFirst().first)
            #expect(row.contains(#""'=HYPERLINK(""http://x"")<script>alert(1)</script>""#))
        }
    }

    @Test func entryPageShowsEveryCheckAttributeAndConsentVersion() async throws {
        let fixture = try await ReviewFixture.make(entries: ReviewFixture.standardEntries(count: 8))
        defer { fixture.remove() }
        try await fixture.withServer { client in
            let transfer = try await client.get("/review/entries/0").text
            #expect(transfer.contains("Entry 0 <span class=\"transfer\">transfer</span>"))
            for id in ReviewFixture.checkIDs {
                #expect(transfer.contains("<td><code>\(id)</code></td><td class=\"pass\">pass</td>"), "\(id)")
            }
            #expect(transfer.contains("separate consent, text 2026-09, 42 s old"))
            #expect(transfer.contains("<td><code>cn</code></td><td>hant-to-hans</td><td>name on the real-name account</td>"))
            #expect(transfer.contains("<td><code>age_over_18</code></td><td>age-over-18</td>"))
            #expect(transfer.contains("2026-09 <span class=\"muted\">sha256 \(String(repeating: "ab", count: 32))"))
            #expect(transfer.contains("GBA-SC-2026-0117"))
            #expect(transfer.contains("Guangzhou Municipal Government Service Data Administration"))
            #expect(transfer.contains("Leaf 0 of a tree of 8 entries"))
            #expect(transfer.contains("federationbridge.test/log\n8\n"), "the signed checkpoint is shown")
            #expect(transfer.contains(#"href="/review/entries/0/proof""#))

            let refused = try await client.get("/review/entries/7").text
            #expect(refused.contains("Entry 7 <span class=\"refused\">refused</span>"))
            #expect(
                refused.contains(
                    "<td><code>age-eligibility</code></td><td class=\"fail\">fail</td><td>subject is under 18 and the purpose requires 18</td>"))
            #expect(refused.contains("<td><code>minimisation</code></td><td class=\"fail\">fail</td><td>released but not allowed: birthDate</td>"))
            #expect(refused.contains("Nothing was released."))
        }
    }

    @Test func downloadedProofVerifiesIndependently() async throws {
        let fixture = try await ReviewFixture.make(entries: ReviewFixture.standardEntries(count: 13))
        defer { fixture.remove() }
        let key = fixture.signer.verifier.publicKey
        try await fixture.withServer { client in
            for sequence in [0, 6, 12] {
                let response = try await client.get("/review/entries/\(sequence)/proof")
                #expect(response.status == .ok)
                #expect(response.headers[.contentDisposition] == "attachment; filename=\"entry-\(sequence)-inclusion-proof.json\"")
                let bundle = try JSONDecoder().decode(InclusionProofBundle.self, from: Data(response.body.readableBytesView))
                #expect(bundle.leafIndex == sequence)
                #expect(bundle.treeSize == 13)
                // Checked with the hashing rules and the public key alone.
                #expect(try IndependentProofCheck.verify(bundle, publicKey: key, origin: "federationbridge.test/log"))
                // And the entry inside is the one the page shows.
                let entry = try #require(Data(base64Encoded: bundle.entry))
                #expect(String(decoding: entry, as: UTF8.self).contains("\"assertionID\":\"_a\(sequence)\""))
                // A proof moved to another entry must not verify.
                var moved = bundle
                moved.leafIndex = (sequence + 1) % 13
                #expect(try !IndependentProofCheck.verify(moved, publicKey: key, origin: "federationbridge.test/log"))
            }
        }
    }

    @Test func exportsCarryExactlyTheFilteredSet() async throws {
        let fixture = try await ReviewFixture.make()
        defer { fixture.remove() }
        let expected = fixture.entries.enumerated().filter { $0.element.recipient == ReviewFixture.zhuhai && $0.element.decision == .refused }
        try await fixture.withServer { client in
            let query = "recipient=\(Self.encoded(ReviewFixture.zhuhai))&decision=refused"
            let csvResponse = try await client.get("/review/export.csv?\(query)")
            #expect(csvResponse.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(csvResponse.headers[.contentDisposition]?.hasPrefix("attachment;") == true)
            let rows = csvResponse.text.split(separator: "\r\n").map(String.init)
            #expect(rows.first?.hasPrefix("sequence,time,recipient,purpose,legal_basis,decision,failed_checks") == true)
            #expect(rows.count == expected.count + 1)
            #expect(rows.dropFirst().map { Int($0.prefix { $0 != "," }) } == expected.map(\.offset))
            #expect(rows.dropFirst().allSatisfy { $0.contains(",refused,") && $0.contains(ReviewFixture.zhuhai) })

            let jsonl = try await client.get("/review/export.jsonl?\(query)")
            #expect(jsonl.headers[.contentType] == "application/jsonl; charset=utf-8")
            let lines = jsonl.text.split(separator: "\n")
            #expect(lines.count == expected.count)
            // Exactly the hashed bytes: each line hashes to its stored leaf, as the CLI export does.
            let stored = try await fixture.log.entries(filter: LogFilter(), page: .all)
            for (line, offset) in zip(lines, expected.map(\.offset)) {
                let body = Data(line.utf8)
                #expect(MerkleTree.leafHash(body) == stored[offset].leafHash)
                let object = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
                #expect(object["seq"] as? Int == offset)
                #expect(object["recipient"] as? String == ReviewFixture.zhuhai)
            }
            let all = try await client.get("/review/export.jsonl").text
            #expect(
                MerkleTree.root(all.split(separator: "\n").map { MerkleTree.leafHash(Data($0.utf8)) }[...])
                    == MerkleTree.root(stored.map(\.leafHash)[...]))
            // Everything, unfiltered.
            #expect(try await client.get("/review/export.jsonl").text.split(separator: "\n").count == 40)
        }
    }

    @Test func piaSummaryCoversOnePurposeAndPeriod() async throws {
        let fixture = try await ReviewFixture.make()
        defer { fixture.remove() }
        let inPeriod = fixture.entries.filter { $0.purpose == ReviewFixture.account && $0.time < ReviewFixture.base.addingTimeInterval(86_400) }
        try await fixture.withServer { client in
            let empty = try await client.get("/review/summary")
            #expect(empty.status == .ok)
            #expect(empty.text.contains("Choose a purpose"))

            let page = try await client.get("/review/summary?purpose=\(ReviewFixture.account)&from=2026-11-26&to=2026-11-26")
            #expect(page.status == .ok)
            let html = page.text
            #expect(html.contains("Privacy impact summary: \(ReviewFixture.account)"))
            #expect(html.contains("en: Open a Guangdong real-name account"))
            #expect(html.contains("zh-Hant: 開立廣東實名帳戶"))
            let transfers = inPeriod.count { $0.decision == .transfer }
            let refusals = inPeriod.count - transfers
            #expect(html.contains(#"<td class="num">\#(inPeriod.count)</td><td class="num">\#(transfers)</td><td class="num">\#(refusals)</td>"#))
            let consentRefusals = inPeriod.count { $0.checks.contains { $0.id == "consent.separate" && !$0.passed } }
            #expect(html.contains(#"<td><code>consent.separate</code></td><td class="num">\#(consentRefusals)</td>"#))
            #expect(
                html.contains(
                    #"<td><code>cn</code></td><td>hant-to-hans</td><td class="num">\#(transfers)</td><td>name on the real-name account</td>"#))
            for reference in ["GBA-SC-2026-0117", "GBA-SC-2026-0242", "GBA-SC-2026-0388"] {
                #expect(html.contains(reference))
            }
            #expect(html.contains("@media print"))
            #expect(!html.contains(ReviewFixture.tax + "</h1>"))
        }
    }

    @Test func tamperedStoreTurnsTheBannerRedNamingTheEntry() async throws {
        let fixture = try await ReviewFixture.make(entries: ReviewFixture.standardEntries(count: 20))
        defer { fixture.remove() }
        // A refusal rewritten as a transfer, straight in the SQLite file.
        try SQLiteTamper.run(
            path: fixture.storePath,
            sql:
                #"UPDATE log_entries SET body = CAST(replace(CAST(body AS TEXT), '"decision":"refused"', '"decision":"transfer"') AS BLOB), decision = 'transfer' WHERE seq = 11"#
        )
        try await fixture.withServer { client in
            let overview = try await client.get("/review").text
            #expect(overview.contains(#"class="banner bad""#))
            #expect(overview.contains("Log verification FAILED at entry 11"))
            #expect(!overview.contains("Log verified up to"))
            let summary = try await client.get("/review/summary?purpose=\(ReviewFixture.account)").text
            #expect(summary.contains("FAILED at entry 11"))
            // The edited entry no longer has a proof that verifies; the page says so.
            let entry = try await client.get("/review/entries/11")
            #expect(entry.status == .ok)
            #expect(entry.text.contains("No inclusion proof"))
            #expect(try await client.get("/review/entries/11/proof").status == .internalServerError)
        }
    }

    @Test func deletedRowIsNamed() async throws {
        let fixture = try await ReviewFixture.make(entries: ReviewFixture.standardEntries(count: 10))
        defer { fixture.remove() }
        try SQLiteTamper.run(path: fixture.storePath, sql: "DELETE FROM log_entries WHERE seq = 4")
        let overview = try await fixture.withServer { client in try await client.get("/review").text }
        #expect(overview.contains("Log verification FAILED at entry 4"))
    }
}
