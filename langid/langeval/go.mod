module github.com/mediawatch/mediawatch/langid/langeval

go 1.26.8

require (
	github.com/abadojack/whatlanggo v1.0.1
	github.com/mediawatch/mediawatch v0.0.0-00010101000000-000000000000
	github.com/pemistahl/lingua-go v1.4.0
	google.golang.org/protobuf v1.36.12
)

require (
	github.com/shopspring/decimal v1.3.1 // indirect
	golang.org/x/exp v0.0.0-20221106115401-f9659909a136 // indirect
	golang.org/x/text v0.44.0 // indirect
)

replace github.com/mediawatch/mediawatch => ../..
