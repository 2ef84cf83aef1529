/// A 2048-bit RSA key pair made for these tests only (openssl genpkey), so the RS256
/// tests need no key generation support from the test target.
enum TestRSAKey {
    static let privatePEM = """
        -----BEGIN PRIVATE KEY-----
        MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCpLV5vMPkF08DL
        nXH/LfFjqPWgjjMXscqAHKPaQqYXqm67GOnpPt0vrHFXfzPZH2IrkVc8MouP/yA8
        JFrZOh4r50NMv/30EmTxTN/PRCZwpJnPu/4KiOwIWcrUHpG/XzjTEtpgAd7umi3t
        /BhI8cUzP5L4p9SPEw3RDeJSaznHWuWUorSEiuuOoTS6aV4zHvPr5HFh2aVuOnHy
        40s8XbgpdXzjRWzddyk22ZQ5eCrCcupe3vM65NWOZhPoapzCctYJNDa2sgHPYB9O
        g+OIUGNKzUIWATeqd8Cx0u2gf+i8BLRFNIFqZuyyHvbrJqkOyqOBKIPQspjGbDbm
        mmpM6TCvAgMBAAECggEAPW1PwKfTg54jfssoPTN9VmZe6XE4c/4GPQYpKHLSw/0K
        P70IEbzVqx29+bsiJFAU4STgu+bObfaAydWZdw53LhHGifOcTibvp/31tdhU7MmX
        X6ouz7xvl4ii8Oo4mXgFtf4+dGW5gIFS8/p5BuNiav1GbCrkLx8IAUQ9TRfJ3uw2
        OqCIq94JrSNBWd6nge34znHHu6y6XEnBPL+5NeX87R6xf2aU+IWE8IrJuImcsBeu
        lkR1pEG+5QYtZO4tXFzFJw4qj8OonG1m4mORPPxFbn7BEuL7c9nQinAqr8qCZOBs
        gaovodZE9Tf+JzF0vvsVHKgzA2q2lhn6uQbfxeG3wQKBgQDnjW89Qv1Xmcaktd92
        QuKkclMilb9Ma6g1LyWJuWt2SR/M470xoso0XhAC59/Pb5QZtbThy9RmXKVF+BkY
        +ecCxvVNypbOj2kkx5aEAU0BV+k7zm1rlNSteEBbnfT0bi2rw1r65nhoHtrWY/PS
        7PVcBxXi8nSxYdxUd9wbthVKdwKBgQC7CgLuy759PoPpV0o/B6EbJJf/V/8WFWsP
        ucpX5Hdpj9M6XjPiP2zoj3aIoii3pyq9D2BrRyL9jxQ35Otfx+u6blF7g1dmBvfY
        v7Qk3kRK5Yx1SSA63NIP86MgMIgXNcEoajIoiEHtfm2d+fhmKDQqLK+zSkcXXX+n
        A/Z0qi0hiQKBgHuFzq6+mslthjN9tjyvR5p0RncvrUJGOBBPG1ZSLMqIDcfOQbJF
        5lpzR1VVfuZ43messFa31pHYoG4oALN7NModeuTJyxNcG7n8IwY+b2blD83QvDxk
        w+PaP3LgW7k9QW3cpB8ubVMWCqXN4ldGA0nZmcpcjvXFf7Urz6aUxtzXAoGBAJ4L
        vaKuw03tj2WS/wf3mGjpKQ74+nFcs9Tb92EBiu3GPISrqUfatFpnL5ARBjr5pKGQ
        5rZ/q896IWmBpGqQ8l3cbjniJ+3soW2jv8MPlcF76o4ItpVGlrIn+4VtvPFv2MIf
        yjZ5vMvD8zh0SzN3cWzZybXEZAIYXY9xR8YZLn2RAoGAYISIBw/XNOKVXzG/+j+m
        MyEGPtDVPHu9epfLXn4w3cil1NlMmh9skRjcWmxSWZDzeZVSo4oqdoL21PSPRvzr
        EJnz08NhjKpywOTS++90M3YiVDXrsBKPdZ48BRau4pYTGtqoTdcTFeoJc3rqYkTR
        emoKXk/vjdSTBCwoQ5ZPDqU=
        -----END PRIVATE KEY-----
        """

    static let publicPEM = """
        -----BEGIN PUBLIC KEY-----
        MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqS1ebzD5BdPAy51x/y3x
        Y6j1oI4zF7HKgByj2kKmF6puuxjp6T7dL6xxV38z2R9iK5FXPDKLj/8gPCRa2Toe
        K+dDTL/99BJk8Uzfz0QmcKSZz7v+CojsCFnK1B6Rv1840xLaYAHe7pot7fwYSPHF
        Mz+S+KfUjxMN0Q3iUms5x1rllKK0hIrrjqE0umleMx7z6+RxYdmlbjpx8uNLPF24
        KXV840Vs3XcpNtmUOXgqwnLqXt7zOuTVjmYT6GqcwnLWCTQ2trIBz2AfToPjiFBj
        Ss1CFgE3qnfAsdLtoH/ovAS0RTSBambssh726yapDsqjgSiD0LKYxmw25ppqTOkw
        rwIDAQAB
        -----END PUBLIC KEY-----
        """
}
