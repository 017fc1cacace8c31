using CmaBroker.Spdm.Messages;

namespace CmaBroker.Spdm.Requester;

/// <summary>A parsed CHALLENGE_AUTH with the transcript its signature covers (M1 = A ‖ B ‖ C, §4.9).</summary>
public sealed record ChallengeOutcome(ChallengeRequest Request, ChallengeAuthResponse Response, byte[] SignedTranscript);
