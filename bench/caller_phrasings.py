"""Callers' questions in their own words, to a bike workshop whose owner (Sam) shared some facts,
lets callers look up an order and book appointments: the data `bench/caller_eval.py` scores the
offline call model on.

Split as the owner requests are: even rows tune, odd rows are held out and only ever counted.

Expected outcomes:
- ("fact", n): answered with FACTS[n];
- ("message",): nothing shared answers it: a message is taken (honest routing);
- ("owner",): put through to the owner;
- ("lookup", "5127"): the order lookup run for that order number;
- ("slots", day, part): free slots offered (day "thursday" or None; part "afternoon" or None);
- ("book", weekday, "14:30"): booked at that time (weekday: 0 Monday .. 6 Sunday);
- ("cancel",): their appointment cancelled;
- ("goodbye",): the call ended politely.
"""

from __future__ import annotations

FACTS = [
    "We're open Monday to Friday from 8 in the morning until 6 in the evening, and on Saturday from 9 until 1.",
    "The workshop is at 42 Harbour Street in Portsmouth.",
    "A basic bike service costs 45 pounds.",
    "A puncture repair costs 12 pounds.",
    "We're closed on Sundays and bank holidays.",
    "There is free parking behind the building.",
    "We repair electric bikes, but we don't sell them.",
    "Bike hire is 20 pounds a day.",
]

OWNER_NAME = "Sam"
LOOKUP = ("order status", "https://shop.example.com/api/orders/{order_id}")

CALLER_QUESTIONS: list[tuple[str, tuple[str, ...]]] = [
    # opening hours
    ("When are you open?", ("fact", 0)),
    ("What time do you close on weekdays?", ("fact", 0)),
    ("Are you open on Saturday?", ("fact", 0)),
    ("what are your opening hours", ("fact", 0)),
    ("When do you close on Saturday?", ("fact", 0)),
    ("how late are you open today", ("fact", 0)),
    ("What time do you open in the morning?", ("fact", 0)),
    ("are you guys open right now", ("fact", 0)),
    ("Until when can I come by on a Friday?", ("fact", 0)),
    ("Are you open on Sundays?", ("fact", 4)),
    ("Do you open on bank holidays?", ("fact", 4)),
    ("is the shop closed on sunday", ("fact", 4)),
    # where
    ("Where are you located?", ("fact", 1)),
    ("How do I find you, what's the address?", ("fact", 1)),
    ("where are you", ("fact", 1)),
    ("What's your address?", ("fact", 1)),
    ("Which street is the workshop on?", ("fact", 1)),
    ("how do i get to you", ("fact", 1)),
    ("Are you in Portsmouth?", ("fact", 1)),
    ("where's the shop", ("fact", 1)),
    ("Can I park near you?", ("fact", 5)),
    ("Is there parking?", ("fact", 5)),
    ("where can I leave my car", ("fact", 5)),
    ("Do I have to pay for parking?", ("fact", 5)),
    # prices
    ("How much do you charge to service a bike?", ("fact", 2)),
    ("What does a service cost?", ("fact", 2)),
    ("how much is a basic service", ("fact", 2)),
    ("What's the price for a bike tune up?", ("fact", 2)),
    ("How much to fix a flat tyre?", ("fact", 3)),
    ("what do you charge for a puncture", ("fact", 3)),
    ("I've got a flat, how much would that be?", ("fact", 3)),
    ("How much is it to hire a bike?", ("fact", 7)),
    ("do you rent bikes out", ("fact", 7)),
    ("what's the daily rate for bike rental", ("fact", 7)),
    ("Do you fix e-bikes?", ("fact", 6)),
    ("Can I buy an electric bike from you?", ("fact", 6)),
    ("do you work on electric bikes", ("fact", 6)),
    # nothing shared: a message
    ("Do you sell skateboards?", ("message",)),
    ("Can I pay with bitcoin?", ("message",)),
    ("I'd like to complain about my last repair", ("message",)),
    ("Do you have any jobs going?", ("message",)),
    ("Can you deliver a bike to my house?", ("message",)),
    ("Is the mechanic called Dave still working there?", ("message",)),
    ("Please tell Sam that the parts arrived.", ("message",)),
    ("I want to leave a message for the owner", ("message",)),
    ("Can you call me back tomorrow?", ("message",)),
    ("do you do student discounts", ("message",)),
    ("I left my helmet there yesterday", ("message",)),
    ("Do you sponsor local races?", ("message",)),
    ("my name is Alex and my brakes squeak", ("message",)),
    ("Can you service a lawnmower?", ("message",)),
    # the owner
    ("I'd like to speak with Sam", ("owner",)),
    ("Can I talk to someone real?", ("owner",)),
    ("Is Sam there?", ("owner",)),
    ("put me through to the owner please", ("owner",)),
    ("I need a human", ("owner",)),
    ("could I speak to a person", ("owner",)),
    ("Can you connect me with Sam?", ("owner",)),
    ("Let me talk to the manager", ("owner",)),
    ("I want to speak to someone in charge", ("owner",)),
    ("Is the boss around?", ("owner",)),
    ("get me Sam please", ("owner",)),
    ("can I have a word with Sam", ("owner",)),
    # orders
    ("What's the status of order 5127?", ("lookup", "5127")),
    ("Where is my order five one two seven?", ("lookup", "5127")),
    ("I'm calling about order number 5127", ("lookup", "5127")),
    ("has my order 5127 shipped yet", ("lookup", "5127")),
    ("can you check my order, it's five one two seven", ("lookup", "5127")),
    ("order 5 1 2 7, is it ready?", ("lookup", "5127")),
    ("any news on my order? the number is 5127", ("lookup", "5127")),
    ("I want to know where order fifty one twenty seven is", ("lookup", "5127")),
    ("status of 5127 please", ("lookup", "5127")),
    ("Is my order 5127 on its way?", ("lookup", "5127")),
    ("when will my order arrive? It's number 5-1-2-7", ("lookup", "5127")),
    ("I'd like an update on order 5127", ("lookup", "5127")),
    # appointments
    ("Do you have anything on Thursday afternoon?", ("slots", "thursday", "afternoon")),
    ("I'd like to book an appointment", ("slots", None, None)),
    ("What's the earliest you have?", ("slots", None, None)),
    ("can I book a service slot", ("slots", None, None)),
    ("any free slots on Friday?", ("slots", "friday", None)),
    ("do you have time tomorrow morning", ("slots", "tomorrow", "morning")),
    ("When can I bring my bike in?", ("slots", None, None)),
    ("are there any openings on Monday", ("slots", "monday", None)),
    ("I need an appointment for my bike", ("slots", None, None)),
    ("Is Wednesday afternoon free?", ("slots", "wednesday", "afternoon")),
    ("what's your next available slot", ("slots", None, None)),
    ("could I come in on Tuesday?", ("slots", "tuesday", None)),
    ("Book me in next Tuesday at half past two", ("book", 1, "14:30")),
    ("Can I have an appointment on Thursday at 10?", ("book", 3, "10:00")),
    ("I'd like to book Friday at 3pm", ("book", 4, "15:00")),
    ("book me for Monday at quarter past eleven", ("book", 0, "11:15")),
    ("Wednesday at nine thirty please, for an appointment", ("book", 2, "09:30")),
    ("can you book me in on Tuesday at 2", ("book", 1, "14:00")),
    ("I want the Thursday 4 o'clock slot", ("book", 3, "16:00")),
    ("appointment Friday at noon", ("book", 4, "12:00")),
    ("Cancel my appointment", ("cancel",)),
    ("I can't make my booking, please cancel it", ("cancel",)),
    ("I need to call off my appointment", ("cancel",)),
    ("please cancel the booking I made", ("cancel",)),
    # goodbye
    ("That's all, bye", ("goodbye",)),
    ("no thanks, goodbye", ("goodbye",)),
    ("ok thank you, bye bye", ("goodbye",)),
    ("nothing else, cheers", ("goodbye",)),
    ("that's everything, thanks", ("goodbye",)),
    ("Bye!", ("goodbye",)),
]

#: Written after the first round of tuning, to tune on without touching the held-out rows above.
MORE_TUNING: list[tuple[str, tuple[str, ...]]] = [
    ("Do you sell scooters?", ("message",)),
    ("Can I pay by card?", ("message",)),
    ("do you buy old bikes", ("message",)),
    ("Are you hiring mechanics?", ("message",)),
    ("Do you fix cars as well?", ("message",)),
    ("Can you order a part for me?", ("message",)),
    ("Is it busy today?", ("message",)),
    ("I want to give some feedback", ("message",)),
    ("Tell Sam I'll be late picking up my bike", ("message",)),
    ("do you do gift vouchers", ("message",)),
    ("what's the wifi password", ("message",)),
    ("Could you ask Sam to ring me back?", ("message",)),
    ("Where do you buy your parts?", ("message",)),
    ("Do you have a toilet customers can use?", ("message",)),
    ("Can I speak to the owner?", ("owner",)),
    ("is anyone there who can help me properly", ("owner",)),
    ("I'd rather talk to Sam directly", ("owner",)),
    ("transfer me please", ("owner",)),
    ("thanks, that's it", ("goodbye",)),
    ("great, cheers, bye", ("goodbye",)),
    ("all good, thank you", ("goodbye",)),
    ("ok that's everything", ("goodbye",)),
    ("How much for a full service?", ("fact", 2)),
    ("what's the address of the workshop", ("fact", 1)),
    ("what time do you shut", ("fact", 0)),
    ("Is there somewhere to park?", ("fact", 5)),
    ("how much is renting a bike for a day", ("fact", 7)),
    ("order number 9 9 1 2, where is it?", ("lookup", "9912")),
    ("anything free tomorrow afternoon?", ("slots", "tomorrow", "afternoon")),
    ("book me in for Friday at half past ten", ("book", 4, "10:30")),
]
