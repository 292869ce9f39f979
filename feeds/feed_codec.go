package feeds

import (
	"encoding/binary"
	"encoding/json"
	"time"
)

// feedRecord is a Feed as stored: JSON, small and read rarely, so a
// readable encoding that can gain fields beats a compact one.
type feedRecord struct {
	URL          string    `json:"url"`
	Title        string    `json:"title,omitempty"`
	Interval     int64     `json:"interval_s"`
	Created      time.Time `json:"created"`
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	NextPoll     time.Time `json:"next_poll"`
	Failures     int       `json:"failures,omitempty"`
	Status       Status    `json:"status"`
}

func encodeFeed(f *Feed) ([]byte, error) {
	return json.Marshal(feedRecord{URL: f.URL, Title: f.Title, Interval: int64(f.Interval / time.Second), Created: f.Created,
		ETag: f.ETag, LastModified: f.LastModified, NextPoll: f.NextPoll, Failures: f.Failures, Status: f.Status})
}

func decodeFeed(id int64, b []byte) (*Feed, error) {
	var r feedRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	return &Feed{ID: id, URL: r.URL, Title: r.Title, Interval: time.Duration(r.Interval) * time.Second, Created: r.Created,
		ETag: r.ETag, LastModified: r.LastModified, NextPoll: r.NextPoll, Failures: r.Failures, Status: r.Status}, nil
}

// feedKey is a feed ID as a key: big-endian, so keys sort as IDs.
func feedKey(id int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(id)) }

// Item is a feed item already read, stored (as JSON) under the hash of its
// canonical URL: re-polling a feed skips it, and its title and outlet are
// kept.
type Item struct {
	URL       string    `json:"url,omitempty"`
	Title     string    `json:"title,omitempty"`
	Outlet    string    `json:"outlet,omitempty"`
	Feed      int64     `json:"feed"`
	Published time.Time `json:"published,omitzero"`
	Read      time.Time `json:"read"`
	Events    int       `json:"events"`
	Skipped   string    `json:"skipped,omitempty"` // why no events were read
	CopyOf    string    `json:"copy_of,omitempty"` // the URL of the article this one copies
}
