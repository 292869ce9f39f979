package geoparse

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
)

// TestEvents reads invented sentences (the team's own) and checks what the
// event layer makes of them: which happenings are real, where and when they
// took place, and what is no event at all.
func TestEvents(t *testing.T) {
	p := MustParser(t)
	pub := time.Date(2017, 10, 11, 15, 0, 0, 0, time.UTC) // a Wednesday
	type ev struct{ typ, place, date, prec string }
	for _, tc := range []struct {
		name, text string
		want       []ev
	}{
		{"a strike on a town", "Air strikes hit Raqa on Tuesday, killing four people.",
			[]ev{{"airstrike_shelling", "Ar Raqqah", "2017-10-10", "day"}}},
		{"the toll merges into the happening", "A car bomb exploded in Aleppo on Monday. Six people were killed in Aleppo on Monday.",
			[]ev{{"bombing_explosion", "Aleppo", "2017-10-09", "day"}}},
		{"the actor's country is no place", "Russian jets bombed Aleppo on Monday, Moscow said.",
			[]ev{{"airstrike_shelling", "Aleppo", "2017-10-09", "day"}}},
		{"a possessive actor", "Turkey's army shelled Kobane overnight.",
			[]ev{{"airstrike_shelling", "Ayn al Arab", "2017-10-11", "day"}}},
		{"a month", "An agreement allowed fighters to flee the town of Tabqa in May.",
			[]ev{{"agreement", "Ath Thawrah", "2017-05-01", "month"}}},
		{"a year", "Protesters marched in Beirut in 2015.",
			[]ev{{"protest", "Beirut", "2015-01-01", "year"}}},
		{"a list of places", "Rebels shelled the villages of Albu Kamal and Tabqa on Monday.",
			[]ev{{"airstrike_shelling", "Albu Kamal", "2017-10-09", "day"}, {"airstrike_shelling", "Ath Thawrah", "2017-10-09", "day"}}},
		{"an evacuation's origin", "Hundreds of families were evacuated from Aleppo on Sunday.",
			[]ev{{"displacement_evacuation", "Aleppo", "2017-10-08", "day"}}},
		{"planned", "Talks between the two sides will be held in Beirut next week.", nil},
		{"to be held", "The meeting, to be held in Ankara, was announced on Monday.", nil},
		{"negated", "The army did not attack Raqa on Tuesday.", nil},
		{"negated, contracted", "The shelling of Raqa on Tuesday shouldn’t have happened.", []ev{{"airstrike_shelling", "Ar Raqqah", "2017-10-10", "day"}}},
		{"a contracted negation before the trigger", "Rebels didn't attack Aleppo on Monday.", nil},
		{"refused", "The rebels refused to negotiate in Aleppo.", nil},
		{"a threat", "The group threatened to bomb Istanbul.", nil},
		{"background", "Aleppo has seen fighting since 2012.", nil},
		{"born", "The officer, who was born in Ankara in 1994, was arrested in Istanbul on Monday.",
			[]ev{{"arrest_detention", "Istanbul", "2017-10-09", "day"}}},
		{"a statement is no event", "Moscow said on Monday that it supports the government in Baghdad.", nil},
		{"a decision about something else", "The council agreed to rebuild the market in Aleppo.", nil},
		{"a possessive place of its own happening", "Lebanon's parliamentary elections were held on Sunday.",
			[]ev{{"election_vote", "Lebanon", "2017-10-08", "day"}}},
		{"an incident merges into the happening", "A bomb exploded in Aleppo on Monday. The incident in Aleppo on Monday shocked residents.",
			[]ev{{"bombing_explosion", "Aleppo", "2017-10-09", "day"}}},
		{"the happening already told", "Rebels shelled Aleppo in May. The shelling of Aleppo was condemned.",
			[]ev{{"airstrike_shelling", "Aleppo", "2017-05-01", "month"}}},
		{"a week after", "It comes a week after a car bomb exploded in Beirut.",
			[]ev{{"bombing_explosion", "Beirut", "2017-10-04", "day"}}},
		{"a trigger that modifies a noun", "Riot police were deployed in Ankara on Monday. Snowfall warnings were issued in Toronto.", nil},
		{"a trigger inside a name", "Both were lodged in the Laurel County Detention Center on Monday.", nil},
		{"one act of violence in other words", "A bomb exploded in Aleppo on Monday. The attack in Aleppo shocked residents.",
			[]ev{{"bombing_explosion", "Aleppo", "2017-10-09", "day"}}},
		{"one act of violence placed by its country", "A bomb exploded in Aleppo on Monday. Gunmen attacked a checkpoint in Syria on Monday.",
			[]ev{{"bombing_explosion", "Aleppo", "2017-10-09", "day"}}},
		{"a street's town", "A man was stabbed in Seaton Street, Beirut on Monday.",
			[]ev{{"attack_killing", "Beirut", "2017-10-09", "day"}}},
		{"a weekday and its date", "A man was stabbed in Beirut on Friday, February 3.",
			[]ev{{"attack_killing", "Beirut", "2017-02-03", "day"}}},
		{"no country pins a continent", "A conference on security was held in Asia on Monday.", nil},
		{"facing", "The migrants face detention in Samos.", nil},
		{"were to", "Talks were to continue in Beirut on Monday.", nil},
		{"at the scene", "A man was stabbed in Beirut on Friday, February 3. The attacker was arrested at the scene.",
			[]ev{{"attack_killing", "Beirut", "2017-02-03", "day"}, {"arrest_detention", "Beirut", "2017-02-03", "day"}}},
		{"told undated, then dated", "The night before the stabbing, he was at a house in Beirut. He admitted stabbing a man in Beirut in May.",
			[]ev{{"attack_killing", "Beirut", "2017-05-01", "month"}}},
		{"a part of a longer name", "Gunmen attacked fans at the Stade de France on Monday.", nil},
		{"the prospect", "They discussed the prospect of organizing peace talks in Beirut.", nil},
		{"a brawl in Upper Beirut", "Seven men fought in a brawl in Upper Beirut on 25 February last year.",
			[]ev{{"attack_killing", "Beirut", "2016-02-25", "day"}}},
		{"throughout a city on a day", "A series of attacks left 130 people dead throughout Beirut on November 13, 2015.",
			[]ev{{"attack_killing", "Beirut", "2015-11-13", "day"}}},
		{"another happening's place", "Seven men were convicted over the brawl that took place in Beirut on 25 February last year.",
			[]ev{{"attack_killing", "Beirut", "2016-02-25", "day"}}},
		{"a belief", "She believes the man murdered her sister in Beirut.", nil},
		{"an accusation", "The government accuses him of staging a coup in Beirut in July.", nil},
		{"the blast told again", "A bomb exploded in Aleppo on Monday. Seven people have been arrested in connection with the blast.",
			[]ev{{"bombing_explosion", "Aleppo", "2017-10-09", "day"}}},
		{"the accident already told", "A hunter was shot in Beirut on Monday. He was hunting from a stand when the accident occurred.",
			[]ev{{"attack_killing", "Beirut", "2017-10-09", "day"}}},
		{"the death, then its crash", "The toll rose after the death of a man in Beirut. The motorcyclist crashed into a barrier at Beirut on Monday.",
			[]ev{{"disaster_accident", "Beirut", "2017-10-09", "day"}}},
		{"an event's name", "Delegates registered for the Security Conference 2018 in Madrid.", nil},
		{"a vehicle overturned", "A pickup overturned on a road near Beirut on Friday.",
			[]ev{{"disaster_accident", "Beirut", "2017-10-06", "day"}}},
		{"scheduled to", "The ceremony scheduled to take place in Beirut was announced.", nil},
		{"a case", "He was charged over the Beirut theft case.", nil},
		{"a charge", "He is held at the jail in Beirut for first degree theft.", nil},
		{"a habit", "She has visited the court in Beirut weekly.", nil},
		{"a ruling party", "Support for the ruling coalition in Beirut has dwindled.", nil},
		{"a saint's church", "A bomb exploded at the Saint Paul Coptic Church in Cairo on Monday.",
			[]ev{{"bombing_explosion", "Cairo", "2017-10-09", "day"}}},
		{"a loose tie", "Officials signed the deal in October, but not before a region of Spain had to be persuaded to drop its veto.", nil},
		{"any", "Police break up any brawls in Beirut.", nil},
		{"but starts a clause", "Police did not arrest the men in Beirut on Monday but they were arrested in Aleppo on Tuesday.",
			[]ev{{"arrest_detention", "Aleppo", "2017-10-10", "day"}}},
		{"a negation a few words back", "Police hadn't yet really arrested the men in Beirut on Monday.", nil},
		{"a tally over a period", "He has met with residents in Beirut twice in the past six weeks.", nil},
		{"a contest placed finer", "The US election was held on Tuesday. Trump narrowly beat Clinton in Texas.",
			[]ev{{"election_vote", "Texas", "2017-10-10", "day"}}},
		{"an arrest, then a raid", "A man was arrested in Beirut on Monday. His offices in Beirut were raided on Monday.",
			[]ev{{"arrest_detention", "Beirut", "2017-10-09", "day"}, {"arrest_detention", "Beirut", "2017-10-09", "day"}}},
		{"the site that had the happening", "Heavy snow fell overnight. Beirut's Rafic Hariri International Airport had 40 delays and cancellations on Saturday.",
			[]ev{{"disaster_accident", "Beirut", "2017-10-07", "day"}}},
		{"a search warrant", "Deputies conducted a search warrant at a home outside of Beirut on Monday and located stolen property.",
			[]ev{{"arrest_detention", "Beirut", "2017-10-09", "day"}}},
		{"sites the gazetteer lacks, listed", "A series of attacks left 130 people dead throughout Beirut on November 13, 2015. The gunmen struck in coordinated attacks at the Stade de France, outside the Petit Cambodge restaurant and in the Boulevard Voltaire.",
			[]ev{{"attack_killing", "Beirut", "2015-11-13", "day"}, {"attack_killing", "Beirut", "2015-11-13", "day"}, {"attack_killing", "Beirut", "2015-11-13", "day"}}},
		{"a gunshot wound", "A hunter died in an accident in Beirut on Monday. He sustained an accidental gun shot wound to the head.",
			[]ev{{"disaster_accident", "Beirut", "2017-10-09", "day"}}},
		{"a contest won", "Notre Dame won 91-89 in Beirut on Friday.",
			[]ev{{"other", "Beirut", "2017-10-06", "day"}}},
		{"an award won", "Her film won the audience award at a festival in Beirut.", nil},
		{"a dumping of snow", "After a generous dumping of snow in Beirut on Friday night, temperatures climbed.",
			[]ev{{"disaster_accident", "Beirut", "2017-10-06", "day"}}},
		{"a present passive", "People are detained in overcrowded cells in Beirut.", nil},
		{"money withdrawn", "The day before she vanished she withdrew $1,273 in Beirut.", nil},
		{"another happening's place in the subject", "A suspect in an early February theft near Beirut has been apprehended.",
			[]ev{{"crime", "Beirut", "2017-02-01", "month"}}},
		{"where", "The president visited the embassy in Beirut where an awards ceremony was held on Monday.",
			[]ev{{"visit", "Beirut", "2017-10-09", "day"}, {"ceremony", "Beirut", "2017-10-09", "day"}}},
		{"a noun, not a contest", "In the clubs of Beirut all you feel is the beat.", nil},
		{"a charge of evading arrest", "He admitted the offence of evading arrest in Beirut.", nil},
		{"a yearly rule", "Thanksgiving Day is celebrated in Beirut on the fourth Thursday in November.", nil},
		{"a tradition", "The president traditionally receives a turkey in a ceremony in Beirut.", nil},
		{"the office's place", "A top aide of Beirut's new mayor has been arrested, months after the politician was elected.",
			[]ev{{"election_vote", "Beirut", "2017-10-11", "day"}}},
		{"won't", "Those who sold the ticket in Beirut won't get the prize.", nil},
		{"an idiom", "Farming in Beirut is full of trial and error.", nil},
		{"it happened, with no place of its own", "Gunmen attacked a checkpoint in Aleppo. It has happened before.",
			[]ev{{"attack_killing", "Aleppo", "2017-10-11", "day"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			events, _, err := p.Events(context.Background(), Article{Text: tc.text, URL: "https://example.org/" + url.PathEscape(tc.name), Published: pub})
			if err != nil {
				t.Fatal(err)
			}
			var got []ev
			for _, e := range events {
				got = append(got, ev{e.Type, e.Place.Name, e.Time.Format("2006-01-02"), e.TimePrecision})
				t.Logf("%s | %s | %s %s | %q | why %+v", e.Type, e.Place.Name, e.Time.Format("2006-01-02"), e.TimePrecision, e.Title, *e.Why)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			ids := map[string]bool{}
			for _, e := range events {
				if ids[e.ID] {
					t.Errorf("two events with ID %s", e.ID)
				}
				ids[e.ID] = true
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("event %d: got %v, want %v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

// TestEventWhy checks that an event says why: its trigger, the mention
// (in code points of the article), the place and the date reasons; that
// its title is words of the clause, and its excerpt one whole sentence
// across a hard line break.
func TestEventWhy(t *testing.T) {
	p := MustParser(t)
	pub := time.Date(2017, 10, 11, 15, 0, 0, 0, time.UTC)
	text := "Überblick: a long report from the front line that goes on for a while.\n\n" +
		"Dozens of families fled Raqa on Tuesday as the fighting came closer to the\n    old city, a monitor said."
	events, _, err := p.Events(context.Background(), Article{Text: text, Published: pub})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 {
		t.Fatalf("%d events, want 1: %+v", len(events), events)
	}
	e := events[0]
	w := e.Why
	if w == nil {
		t.Fatal("no why")
	}
	if got, want := string([]rune(text)[w.Mention.Start:w.Mention.End]), "Raqa"; got != want || w.Mention.Text != want {
		t.Errorf("mention %d..%d holds %q (text %q), want %q", w.Mention.Start, w.Mention.End, got, w.Mention.Text, want)
	}
	if w.Trigger != "fled" {
		t.Errorf("trigger %q, want fled", w.Trigger)
	}
	if !strings.Contains(w.PlaceReason, "Raqa") || !strings.Contains(w.DateReason, "Tuesday") {
		t.Errorf("reasons: place %q, date %q", w.PlaceReason, w.DateReason)
	}
	if e.Title != "Dozens of families fled Raqa" {
		t.Errorf("title %q", e.Title)
	}
	if want := "Dozens of families fled Raqa on Tuesday as the fighting came closer to the old city, a monitor said."; e.Excerpt != want {
		t.Errorf("excerpt %q,\nwant %q", e.Excerpt, want)
	}
	if e.Type != "displacement_evacuation" || e.SubType == "" || e.TimePrecision != geo.TimeDay {
		t.Errorf("type %q sub-type %q precision %q", e.Type, e.SubType, e.TimePrecision)
	}
	if e.Actor1 != "" && strings.Contains(strings.ToLower(e.Actor1), "raqa") {
		t.Errorf("actor1 %q is the place", e.Actor1)
	}
}

// TestEventsUndated: without a publication date, the text's own full date
// anchors "Sunday"; with neither, no weekday is guessed.
func TestEventsUndated(t *testing.T) {
	p := MustParser(t)
	text := "A photo taken on Monday, October 9, 2017 shows the market. A bomb exploded in Aleppo on Sunday."
	events, _, err := p.Events(context.Background(), Article{Text: text})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0].Time.Format("2006-01-02") != "2017-10-08" {
		for _, e := range events {
			t.Logf("%s %s %s", e.Type, e.Place.Name, e.Time)
		}
		t.Fatalf("want one bombing on 2017-10-08")
	}
}

// TestEventWords checks the embedded tables: every trigger names a type of
// the ontology, and a lexicon line of the trigger form adds to them.
func TestEventWords(t *testing.T) {
	l := DefaultLanguage()
	for i, typ := range l.ev.trigType {
		if l.ev.types[typ] == nil {
			t.Errorf("trigger %v: type %q is not in the ontology", l.ev.triggers.rules[i], typ)
		}
	}
	if err := l.AddTags(strings.NewReader("crime\t11\tpickpocketed\n")); err != nil {
		t.Fatal(err)
	}
	if rule, _ := l.ev.triggers.at([]string{"pickpocketed"}, 0); rule < 0 || l.ev.trigType[rule] != "crime" {
		t.Errorf("an added trigger is not matched")
	}
	if err := l.AddTags(strings.NewReader("nosuchtype\t3\tword\n")); err == nil {
		t.Errorf("a trigger of a type outside the ontology was accepted")
	}
}
