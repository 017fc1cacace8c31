namespace CmaBroker.Emulation.Certificates;

/// <summary>The certificate authorities of the emulator; each has its own fixed root CA.</summary>
public enum EmulatedCertificateAuthority
{
    /// <summary>The trusted root shared by the good, mismatch and slow profiles.</summary>
    Good,
    /// <summary>A CA nobody trusts: the bad-cert profile's chains (and the "unknown CA" knob).</summary>
    Rogue,
    /// <summary>Roots slot 1, like the reference responder's second slot rooted at a different CA.</summary>
    SlotOne,
}

/// <summary>Whether the leaf certificate is currently valid or long expired (the "expired leaf" knob).</summary>
public enum LeafValidity
{
    Current,
    Expired,
}
