package feeds

import "testing"

func TestCanonicalURL(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"unchanged", "https://news.example/a/b?id=3", "https://news.example/a/b?id=3"},
		{"utm and fragment", "https://news.example/a?utm_source=rss&utm_medium=feed&id=3#comments", "https://news.example/a?id=3"},
		{"click ids", "https://news.example/a?fbclid=x&gclid=y&mc_cid=z", "https://news.example/a"},
		{"case of scheme and host", "HTTPS://News.Example/Path", "https://news.example/Path"},
		{"parameters sorted", "https://news.example/a?b=2&a=1&UTM_CAMPAIGN=q", "https://news.example/a?a=1&b=2"},
		{"not a URL", " urn:uuid:1 ", "urn:uuid:1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := CanonicalURL(tc.in); got != tc.want {
				t.Errorf("CanonicalURL(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestTextFromHTML(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "Air strikes hit Raqa.", "Air strikes hit Raqa."},
		{"paragraphs", "<p>One.</p><p>Two <b>bold</b>.</p>", "One.\n\nTwo bold ."},
		{"entities", "Tom &amp; Jerry&nbsp;met in Kobane", "Tom & Jerry met in Kobane"},
		{"script and style dropped", "<style>p{}</style><p>Text</p><script>alert('Raqa')</script>", "Text"},
		{"line breaks", "a<br>b<br/>c", "a\n\nb\n\nc"},
		{"image only", `<img src="x.jpg">`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := TextFromHTML(tc.in); got != tc.want {
				t.Errorf("TextFromHTML(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
