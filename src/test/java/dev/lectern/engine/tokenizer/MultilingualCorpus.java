package dev.lectern.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Test text that exercises every branch of the pre-tokenizer and many merges: prose in several scripts,
 * code, numbers, emoji sequences, whitespace of every kind, and text that spells special tokens. Built
 * here from fragments with seeded variation, never downloaded.
 */
final class MultilingualCorpus {

    private MultilingualCorpus() {
    }

    /** Hand-written samples, one per kind of text. */
    static final List<String> SAMPLES = List.of(
            // English prose, contractions in both cases
            "The quick brown fox jumps over the lazy dog. It's what they'd call a pangram, isn't it?",
            "I'M SURE YOU'RE RIGHT, BUT WE'LL SEE. They've said it'd rain; I'd rather we'd stayed home.",
            "Mr. O'Neil's report (see p. 42) concluded: \"results were inconclusive\" -- again.",
            // Chinese, Japanese, Korean
            "人工智能是计算机科学的一个分支，它企图了解智能的实质，并生产出一种新的能以人类智能相似的方式做出反应的智能机器。",
            "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。カタカナとひらがなと漢字。",
            "대한민국은 동아시아의 한반도 남부에 위치한 민주공화국이다. 수도는 서울특별시이다.",
            // Arabic, Hebrew, Russian, Greek, Hindi, Thai, Vietnamese
            "اللغة العربية هي أكثر اللغات تحدثاً ونطقاً ضمن مجموعة اللغات السامية. ١٢٣٤ ٥٦٧",
            "עברית היא שפה שמית ממשפחת השפות האפרו-אסייתיות.",
            "Москва — столица России, город федерального значения. Население: 13 010 112 человек.",
            "Η Ελλάδα είναι χώρα της νοτιοανατολικής Ευρώπης. Αθήνα, Θεσσαλονίκη.",
            "हिन्दी भारत की राजभाषा है। नमस्ते दुनिया!",
            "ภาษาไทยเป็นภาษาที่มีระดับเสียงของคำแน่นอนหรือวรรณยุกต์เช่นเดียวกับภาษาจีน",
            "Tiếng Việt là ngôn ngữ của người Việt và là ngôn ngữ chính thức tại Việt Nam.",
            // code, with indentation in spaces and tabs, CRLF line ends
            "public static int add(int a, int b) {\n    return a + b; // sum\n}\n",
            "def fib(n):\n\tif n < 2:\n\t\treturn n\n\treturn fib(n - 1) + fib(n - 2)\r\n\r\nprint(fib(30))\r\n",
            "{\"name\": \"lectern\", \"version\": \"0.1.0\", \"tags\": [\"a\", \"b\"], \"n\": 12.5e-3, \"ok\": true}",
            "<div class=\"card\"><p>Hello &amp; welcome</p></div>\n<!-- comment -->",
            "for f in *.txt; do grep -n 'TODO' \"$f\" || echo \"none in $f\"; done 2>&1 | tee log.txt",
            "x += y**2 - z/3 >= 0 && !flag || arr[i++] != NULL; /* ??? */ #define MAX(a,b) ((a)>(b)?(a):(b))",
            // numbers: one token per digit, in every script's digits
            "3.14159265358979 1,234,567.89 2024-01-15T10:30:00Z 0x1F 1e10 -42 +7 007 ２０２４年 ⅻ ² ½",
            "Call 555-0199 or +49 (0)30 1234567 before 9:45pm; order #A113-B7.",
            // emoji, including ZWJ sequences, skin tones, flags and keycaps
            "Great job 👍🏽! Family: 👨‍👩‍👧‍👦 Rainbow flag: 🏳️‍🌈 Flags: 🇩🇪🇯🇵 Keycap: 1️⃣ Heart: ❤️‍🔥 🧑🏿‍💻",
            "😀😃😄😁😆😅🤣😂🙂🙃 🐱‍👤 🤌🏼🫶",
            // whitespace of every kind
            "a    b     c\t\td\n\n\ne   \n   f  \r\n  g\rh \u00A0i\u3000j\u2003k  ",
            "   leading and trailing   ",
            "\n\n\n",
            " \t \n \t ",
            "tabs\tand\ttabs\t\t\tend\t",
            "line one\r\nline two\r\n\r\nline four\r\n",
            // text that spells special tokens
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n",
            "<think>\nLet me think about it.\n</think>\n\nThe answer is 42.<|endoftext|>",
            "broken <|im_ start|> <|im_start <think <|<|im_end|>|> <tool_call>{\"a\":1}</tool_call>",
            // symbols, math, currency, box drawing, mixed scripts
            "∑_{i=1}^{n} i = n(n+1)/2, √2 ≈ 1.414, ∫₀¹ x² dx = ⅓ — €5, £3, ¥100, ₹20 ┌─┐│ │└─┘",
            "Mixing English, 中文, 日本語, 한국어 and العربية in one line: ok?",
            "Ünïcödé äccents àré fïné; naïve café résumé Ångström",
            "   ''' '' ' 's 'S 'Ll 're-'ve ''m d'",
            "");

    /**
     * Documents of varied text, at least {@code minBytes} of UTF-8 in total: samples cut at random points,
     * joined by random separators, with words, numbers and whitespace runs mixed in, so that pieces
     * repeat sometimes but not always.
     */
    static List<String> generated(long seed, int minBytes) {
        Random random = new Random(seed);
        String[] separators = {" ", "\n", "\r\n", "\t", "  ", "\n\n", " \n", "", ". ", ", ", "   \n\t", "\u3000"};
        String[] words = {"alpha", "Beta", "GAMMA", "δέλτα", "эпсилон", "ζήτα", "语言", "モデル", "토큰", "كلمة",
            "don't", "we'RE", "x_y", "camelCase", "snake_case", "kebab-case", "e.g.", "U.S.A.", "🙂", "👩🏾‍🔬"};
        List<String> documents = new ArrayList<>();
        int bytes = 0;
        while (bytes < minBytes) {
            StringBuilder document = new StringBuilder();
            int parts = 3 + random.nextInt(12);
            for (int p = 0; p < parts; p++) {
                switch (random.nextInt(5)) {
                    case 0, 1 -> {
                        String sample = SAMPLES.get(random.nextInt(SAMPLES.size()));
                        int from = sample.isEmpty() ? 0 : random.nextInt(sample.length());
                        int to = from + random.nextInt(sample.length() - from + 1);
                        document.append(wholeCodePoints(sample, from, to));
                    }
                    case 2 -> document.append(words[random.nextInt(words.length)]);
                    case 3 -> document.append(random.nextInt(1_000_000) * (random.nextBoolean() ? 1 : -1));
                    default -> document.append(" ".repeat(random.nextInt(6))).append(separators[random.nextInt(separators.length)]);
                }
                document.append(separators[random.nextInt(separators.length)]);
            }
            documents.add(document.toString());
            bytes += document.toString().getBytes(StandardCharsets.UTF_8).length;
        }
        return documents;
    }

    /** A cut that moves off the middle of a surrogate pair, so that the corpus stays valid text. */
    private static String wholeCodePoints(String text, int from, int to) {
        if (from > 0 && from < text.length() && Character.isLowSurrogate(text.charAt(from))) {
            from--;
        }
        if (to > 0 && to < text.length() && Character.isLowSurrogate(text.charAt(to))) {
            to++;
        }
        return text.substring(from, Math.max(from, to));
    }

    static int utf8Bytes(List<String> documents) {
        return documents.stream().mapToInt(d -> d.getBytes(StandardCharsets.UTF_8).length).sum();
    }
}
