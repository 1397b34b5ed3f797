using System.Text.Encodings.Web;
using System.Text.Json;

namespace Sharpcracker.OperatorConsole;

/// <summary>
/// JSON as people read it: quotes, apostrophes and angle brackets stay themselves instead of
/// \u escapes. Safe here because the console's JSON is served as application/json with nosniff
/// and the page inserts every value as text, never as markup.
/// </summary>
internal static class JsonText
{
    public static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
