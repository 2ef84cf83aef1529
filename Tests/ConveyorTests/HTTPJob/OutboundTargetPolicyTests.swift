import ConveyorCore
import Testing

/// The target policy on its own: every spelling of a refused address is refused, public
/// ones pass, and operators' allow-lists and dev mode open exactly what they name.
/// Nothing here resolves a name or opens a connection.
@Suite struct OutboundTargetPolicyTests {
    static let refused = [
        // The list, as a hostile tenant would write it.
        "http://127.0.0.1/", "http://[::1]/", "http://0.0.0.0/", "http://2130706433/", "http://0177.0.0.1/",
        "http://127.1/", "http://[::ffff:127.0.0.1]/", "http://169.254.169.254/latest/meta-data",
        "http://0x7f.0.0.1/", "http://0x7f000001/", "http://127.0.0.1./", "http://017700000001/", "http://127.0.1/",
        "http://localhost/", "http://LOCALHOST./", "http://api.localhost:8080/", "http://[::]/", "http://0/",
        // Private, shared, reserved and special ranges.
        "http://10.1.2.3/", "http://172.16.0.1/", "http://172.31.255.255/", "http://192.168.1.1/", "http://100.64.0.1/",
        "http://100.127.255.255/", "http://0.1.2.3/", "http://192.0.0.8/", "http://198.18.0.1/", "http://198.19.255.255/",
        "http://240.0.0.1/", "http://255.255.255.255/", "http://224.0.0.1/", "http://239.255.255.250/",
        "http://[fc00::1]/", "http://[fd12:3456::1]/", "http://[fe80::1]/", "http://[fec0::1]/", "http://[ff02::1]/",
        // IPv6 forms that carry an IPv4 address.
        "http://[::ffff:10.0.0.1]/", "http://[::ffff:169.254.169.254]/", "http://[::ffff:7f00:1]/", "http://[::127.0.0.1]/",
        "http://[::8.8.8.8]/", "http://[::ffff:8.8.8.8]/", "http://[64:ff9b::7f00:1]/", "http://[64:ff9b::808:808]/",
        "http://[64:ff9b:1::1]/", "http://[2002:7f00:1::]/", "http://[2002:a9fe:a9fe::1]/",
        // Teredo whose client address (inverted) is 127.0.0.1.
        "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",
        // Not a target at all.
        "ftp://93.184.215.14/", "/relative", "http://user:pw@93.184.215.14/", "http://1.2.3.999/", "http://[fe80::1%25eth0]/",
        "http://exa mple.com/",
    ]

    @Test(arguments: refused)
    func refusesByDefault(url: String) {
        #expect(OutboundTargetPolicy().refusal(url: url) != nil, "\(url)")
    }

    @Test func publicTargetsPass() {
        let policy = OutboundTargetPolicy()
        for url in [
            "https://93.184.215.14/hook", "http://8.8.8.8/", "http://[2606:4700::1111]/", "http://172.32.0.1/", "http://100.128.0.1/",
            "https://example.com/hook", "https://EXAMPLE.com./x", "http://198.20.0.1/", "http://[2002:808:808::1]/",
        ] {
            #expect(policy.refusal(url: url) == nil, "\(url)")
        }
    }

    @Test func refusalsSayWhyAndHowToAllow() {
        let message = OutboundTargetPolicy().refusal(url: "http://2130706433/")
        #expect(message == "is 127.0.0.1, loopback; such targets are refused unless allowed with --http-allow-host")
        let metadata = OutboundTargetPolicy(allowOption: "--webhook-allow-host").refusal(url: "http://169.254.169.254/")
        #expect(metadata?.contains("cloud metadata") == true)
        #expect(metadata?.hasSuffix("--webhook-allow-host") == true)
    }

    @Test func allowListOpensNamesAndRanges() {
        let allowed = OutboundTargetPolicy(allowHosts: ["10.0.0.0/8", "Internal.Example.", "::1", "192.168.5.5"])
        #expect(allowed.refusal(url: "http://10.9.8.7/") == nil)
        #expect(allowed.refusal(url: "http://10.1/") == nil)
        #expect(allowed.refusal(url: "http://[::ffff:10.9.8.7]/") == nil)
        #expect(allowed.refusal(url: "http://[::1]:9000/") == nil)
        #expect(allowed.refusal(url: "http://192.168.5.5/") == nil)
        #expect(allowed.refusal(url: "http://192.168.5.6/") != nil)
        #expect(allowed.refusal(url: "http://127.0.0.1/") != nil)
        #expect(allowed.refusal(host: .name("internal.example"), resolved: [IPAddress("192.168.0.1")!]) == nil)
        #expect(allowed.refusal(host: .name("other.example"), resolved: [IPAddress("93.184.215.14")!, IPAddress("192.168.0.1")!]) != nil)
        #expect(OutboundTargetPolicy.allowList("127.0.0.1, 10.0.0.0/8 svc") == ["127.0.0.1", "10.0.0.0/8", "svc"])
    }

    @Test func devModeAllowsLoopbackOnly() {
        let dev = OutboundTargetPolicy(allowLoopback: true)
        for url in ["http://127.0.0.1:8080/", "http://localhost/", "http://[::1]/", "http://127.1/", "http://[::ffff:127.0.0.1]/"] {
            #expect(dev.refusal(url: url) == nil, "\(url)")
        }
        for url in ["http://10.0.0.1/", "http://169.254.169.254/", "http://0.0.0.0/", "http://[::]/"] {
            #expect(dev.refusal(url: url) != nil, "\(url)")
        }
    }

    @Test func lenientIPv4SpellingsMeanWhatResolversRead() {
        let cases: [(String, String)] = [
            ("2130706433", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"), ("127.1", "127.0.0.1"), ("0x7f.1", "127.0.0.1"),
            ("10.1.2", "10.1.0.2"), ("0xA9FEA9FE", "169.254.169.254"), ("8.8.8.8", "8.8.8.8"),
        ]
        for (spelling, meaning) in cases {
            #expect(IPAddress(lenientIPv4: spelling)?.description == meaning, "\(spelling)")
        }
        for bad in ["256.1.1.1", "1.2.3.4.5", "08.1.1.1", "", "1..2", "4294967296"] {
            #expect(IPAddress(lenientIPv4: bad) == nil, "\(bad)")
        }
    }
}
