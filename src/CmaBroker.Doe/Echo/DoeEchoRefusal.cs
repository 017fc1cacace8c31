namespace CmaBroker.Doe.Echo;

/// <summary>Why <see cref="DoeEcho.TryParse"/> refused a message.</summary>
public enum DoeEchoRefusal
{
    None,

    /// <summary>Fewer than 16 bytes: no whole tag.</summary>
    ShorterThanTag,

    /// <summary>More than <see cref="DoeEcho.MaxMessageLength"/> bytes.</summary>
    LongerThanMaximum,
}
