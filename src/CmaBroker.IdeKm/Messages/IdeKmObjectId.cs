namespace CmaBroker.IdeKm.Messages;

/// <summary>IDE_KM Object IDs (protocols.md §6.2; libspdm <c>pci_idekm.h</c>).</summary>
public enum IdeKmObjectId : byte
{
    Query = 0x00,
    QueryResp = 0x01,
    KeyProg = 0x02,
    KpAck = 0x03,
    KSetGo = 0x04,
    KSetStop = 0x05,
    KGoStopAck = 0x06,
}
