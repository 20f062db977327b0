"""Reading for the answer: what a question asks, what each sentence offers, and how they match.

`question` analyses the question (answer type, terms, names); `sentences` gathers every
sentence of the best articles with its entities and vector; `features` describes each
sentence against the question; `ranker` scores them with weights fitted on labelled
questions; `short_answer` picks the span that answers.
"""
