// Package linear is a small binary classifier over named features:
// logistic regression trained by averaged stochastic gradient descent (an
// averaged perceptron whose update is the log-loss gradient, so that its
// scores are probabilities). It is what the geoparser uses to tell places
// from other names and literal uses of a place from metonymic ones.
//
// A model is a bias and a weight per feature, written as text: small
// enough to embed, readable enough to review ("next=said -1.9").
// Training is deterministic: the same examples and options give the same
// weights.
package linear

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand"
	"slices"
	"strconv"
	"strings"
)

// Model is a bias and a weight per feature. The zero Model scores 0.5.
type Model struct {
	Bias float64
	W    map[string]float64
}

// Example is one training instance: the features that fire and the label.
type Example struct {
	Features []string
	Label    bool
	// Weight scales the example's gradient; 0 means 1.
	Weight float64
}

// Options tune Train; zero fields take the defaults in brackets.
type Options struct {
	Epochs int     // passes over the examples [10]
	Rate   float64 // learning rate [0.1]
	L2     float64 // weight decay per example, keeps rare features small [1e-4]
	Seed   int64   // shuffles the examples between epochs [1]
	// MinCount drops features seen in fewer examples: a weight learnt from
	// three sentences generalises to nothing [1].
	MinCount int
	// Prune drops weights smaller than this from the result, to keep the
	// model file small [0].
	Prune float64
}

// Train fits a model to xs.
func Train(xs []Example, o Options) *Model {
	if o.Epochs == 0 {
		o.Epochs = 10
	}
	if o.Rate == 0 {
		o.Rate = 0.1
	}
	if o.L2 == 0 {
		o.L2 = 1e-4
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.MinCount == 0 {
		o.MinCount = 1
	}
	// Features become indexes; those too rare to learn from are left out.
	count := map[string]int{}
	for _, x := range xs {
		for _, f := range x.Features {
			count[f]++
		}
	}
	var names []string
	for f, n := range count {
		if n >= o.MinCount {
			names = append(names, f)
		}
	}
	slices.Sort(names) // map order must not reach the weights
	index := make(map[string]int, len(names))
	for i, f := range names {
		index[f] = i
	}
	type row struct {
		fs     []int
		y, wgt float64
	}
	rows := make([]row, len(xs))
	for i, x := range xs {
		r := row{wgt: x.Weight}
		if r.wgt == 0 {
			r.wgt = 1
		}
		if x.Label {
			r.y = 1
		}
		for _, f := range x.Features {
			if j, ok := index[f]; ok {
				r.fs = append(r.fs, j)
			}
		}
		rows[i] = r
	}

	// Averaged SGD: the returned weights are the mean of the weights after
	// every step, which steadies them the way averaging steadies a
	// perceptron. u accumulates each update times its step, so that the
	// mean is w - u/c without summing every weight at every step.
	w := make([]float64, len(names))
	u := make([]float64, len(names))
	var b, ub float64
	order := make([]int, len(rows))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewSource(o.Seed))
	c := 1.0
	for e := 0; e < o.Epochs; e++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		rate := o.Rate / (1 + float64(e)*0.5)
		for _, k := range order {
			r := &rows[k]
			z := b
			for _, j := range r.fs {
				z += w[j]
			}
			g := (sigmoid(z) - r.y) * r.wgt * rate
			b -= g
			ub -= c * g
			for _, j := range r.fs {
				d := -g - rate*o.L2*w[j]
				w[j] += d
				u[j] += c * d
			}
			c++
		}
	}
	m := &Model{W: map[string]float64{}}
	m.Bias = round(b - ub/c)
	for j, f := range names {
		if v := round(w[j] - u[j]/c); math.Abs(v) > o.Prune && v != 0 {
			m.W[f] = v
		}
	}
	return m
}

func round(x float64) float64 { return math.Round(x*1000) / 1000 }

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// Prob returns the probability of the positive class given the features.
func (m *Model) Prob(features []string) float64 {
	z := m.Bias
	for _, f := range features {
		z += m.W[f]
	}
	return sigmoid(z)
}

// Weight returns the weight of the feature spelled by key; a []byte key
// lets a caller build names in a buffer without allocating.
func (m *Model) Weight(key []byte) float64 { return m.W[string(key)] }

// Sigmoid turns a sum of weights (with the bias) into a probability.
func Sigmoid(z float64) float64 { return sigmoid(z) }

// WriteTo writes the model as text: a comment header, "bias" and one
// "feature<TAB>weight" line per feature, sorted, so that a retrained model
// diffs line by line.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	bw := bufio.NewWriter(w)
	n := 0
	k, _ := fmt.Fprintf(bw, "bias\t%s\n", strconv.FormatFloat(m.Bias, 'f', -1, 64))
	n += k
	names := make([]string, 0, len(m.W))
	for f := range m.W {
		names = append(names, f)
	}
	slices.Sort(names)
	for _, f := range names {
		k, _ = fmt.Fprintf(bw, "%s\t%s\n", f, strconv.FormatFloat(m.W[f], 'f', -1, 64))
		n += k
	}
	return int64(n), bw.Flush()
}

// Read reads a model written by WriteTo; lines starting with # are comments.
func Read(r io.Reader) (*Model, error) {
	m := &Model{W: map[string]float64{}}
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		s := sc.Text()
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		f, v, ok := strings.Cut(s, "\t")
		if !ok {
			return nil, fmt.Errorf("line %d: want feature<TAB>weight", line)
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", line, err)
		}
		if f == "bias" {
			m.Bias = x
		} else {
			m.W[f] = x
		}
	}
	return m, sc.Err()
}
